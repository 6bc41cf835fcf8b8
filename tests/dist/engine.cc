// SPDX-License-Identifier: Apache-2.0
//
// engine.c in C++, built by install.sh with `pkg-config --cflags --libs vigil` and c++: the
// installed headers compile as C++ and their functions link with C linkage. The library's
// objects are held by unique_ptrs with its free functions.
#include <cstdio>
#include <memory>
#include <string>
#include <vigil/vigil.h>

namespace
{

struct ErrorFree {
	void operator()(GError *e) const
	{
		g_error_free(e);
	}
};
struct RuntimeFree {
	void operator()(VigilRuntime *rt) const
	{
		vigil_runtime_free(rt);
	}
};

int fail(const GError *error)
{
	std::fprintf(stderr, "engine-cxx: %s\n", error != nullptr ? error->message : "failed");
	return 1;
}

} // namespace

int main(int argc, char **argv)
{
	if (argc != 4) {
		std::fprintf(stderr, "usage: %s ROOT BUNDLE ID\n", argv[0]);
		return 2;
	}
	const std::string id = argv[3];
	VigilConfig config = VIGIL_CONFIG_INIT;
	VigilCreateOptions create = VIGIL_CREATE_OPTIONS_INIT;
	GError *raw = nullptr;
	int code = -1;

	config.root = argv[1];
	create.bundle = argv[2];
	std::unique_ptr<VigilRuntime, RuntimeFree> rt(vigil_runtime_new(&config, &raw));
	std::unique_ptr<GError, ErrorFree> error;
	if (!rt) {
		error.reset(raw);
		return fail(error.get());
	}
	bool ok = vigil_runtime_create_container(rt.get(), id.c_str(), &create, &raw) &&
		  vigil_runtime_start_container(rt.get(), id.c_str(), &raw) &&
		  vigil_runtime_wait(rt.get(), id.c_str(), nullptr, 60 * 1000, &code, &raw) &&
		  vigil_runtime_delete_container(rt.get(), id.c_str(), FALSE, &raw);
	error.reset(raw);
	if (!ok)
		return fail(error.get());
	std::printf("monitor %s\nexit %d\n", vigil_runtime_monitor(rt.get()), code);
	return 0;
}
