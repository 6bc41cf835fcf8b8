/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Attach socket framing (docs/conmon-contract.md, "Attach socket framing"). podman and CRI-O
 * compile these numbers in (conmon's old runner/config Go package), so they are wire contract, not
 * tunables.
 */

/* Stream ids: byte 0 of every message from the monitor to an attach client. */
#define VIGIL_STREAM_STDIN  1 /* never sent */
#define VIGIL_STREAM_STDOUT 2 /* also all of a terminal's output */
#define VIGIL_STREAM_STDERR 3

/* Most payload bytes per SEQPACKET message: clients read with 8193-byte buffers (podman's
 * BufSize + 1) and SEQPACKET truncates silently, so never send more. */
#define VIGIL_ATTACH_MAX_PAYLOAD 8192

/* conmon's ConnSockBufSize: the most client input taken per read. */
#define VIGIL_ATTACH_INPUT_BUF 32768
