/* gossip-error.h: the gossip-glib error domain. */
#pragma once

#if !defined (GOSSIP_INSIDE) && !defined (GOSSIP_COMPILATION)
#error "Only <gossip-glib.h> can be included directly."
#endif

#include <glib.h>
#include "gossip-version.h"

G_BEGIN_DECLS

/**
 * GOSSIP_ERROR:
 *
 * Error domain for gossip-glib. Errors in this domain are from the
 * [error@Gossip.Error] enumeration.
 *
 * Since: 1.0
 */
#define GOSSIP_ERROR (gossip_error_quark ())

/**
 * GossipError:
 * @GOSSIP_ERROR_FAILED: a generic failure
 * @GOSSIP_ERROR_INVALID_CONFIG: the configuration is invalid (a key without a
 *   cipher, a key of the wrong length, a missing codec, ...)
 * @GOSSIP_ERROR_INVALID_ARGUMENT: an argument is out of range (a message type
 *   below 64, an unknown node, ...)
 * @GOSSIP_ERROR_ADDRESS: an address could not be parsed (see also
 *   %GOSSIP_ERROR_UNRESOLVABLE and %GOSSIP_ERROR_ADDRESS_IN_USE)
 * @GOSSIP_ERROR_CONNECT: a peer could not be reached (unreachable network
 *   or host; see also %GOSSIP_ERROR_REFUSED and %GOSSIP_ERROR_TIMEOUT)
 * @GOSSIP_ERROR_TIMEOUT: a peer did not answer in time
 * @GOSSIP_ERROR_REJECTED: a peer refused a join
 * @GOSSIP_ERROR_PROTOCOL: a peer broke the protocol (bad framing, unexpected data)
 * @GOSSIP_ERROR_DECODE: bytes could not be decoded (codec, compression)
 * @GOSSIP_ERROR_ENCODE: a value could not be encoded by the codec
 * @GOSSIP_ERROR_CRYPTO: encryption or authentication failed
 * @GOSSIP_ERROR_TOO_LARGE: a length exceeds its configured maximum
 * @GOSSIP_ERROR_NO_REPLY: the peer closed the connection without a reply
 * @GOSSIP_ERROR_NOT_RUNNING: the cluster is not started or already stopped
 * @GOSSIP_ERROR_EXISTS: a handler for the message type is already registered
 * @GOSSIP_ERROR_ADDRESS_IN_USE: the address to listen on is taken by another
 *   program (or another node): choose another port
 * @GOSSIP_ERROR_UNRESOLVABLE: a host name (or SRV name) did not resolve
 * @GOSSIP_ERROR_REFUSED: the peer's host answered but nothing listens on that
 *   port (connection refused)
 *
 * Error codes of the %GOSSIP_ERROR domain.
 *
 * Since: 1.0
 */
typedef enum {
  GOSSIP_ERROR_FAILED,
  GOSSIP_ERROR_INVALID_CONFIG,
  GOSSIP_ERROR_INVALID_ARGUMENT,
  GOSSIP_ERROR_ADDRESS,
  GOSSIP_ERROR_CONNECT,
  GOSSIP_ERROR_TIMEOUT,
  GOSSIP_ERROR_REJECTED,
  GOSSIP_ERROR_PROTOCOL,
  GOSSIP_ERROR_DECODE,
  GOSSIP_ERROR_ENCODE,
  GOSSIP_ERROR_CRYPTO,
  GOSSIP_ERROR_TOO_LARGE,
  GOSSIP_ERROR_NO_REPLY,
  GOSSIP_ERROR_NOT_RUNNING,
  GOSSIP_ERROR_EXISTS,
  GOSSIP_ERROR_ADDRESS_IN_USE,
  GOSSIP_ERROR_UNRESOLVABLE,
  GOSSIP_ERROR_REFUSED,
} GossipError;

GOSSIP_AVAILABLE_IN_1_0
GQuark gossip_error_quark (void);

G_END_DECLS
