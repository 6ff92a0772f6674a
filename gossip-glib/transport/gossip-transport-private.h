/* gossip-transport-private.h: the transport interface as the library uses
 * it. Everything is public now (gossip-transport.h); this header stays so
 * that the layers can keep including it by its old name. */
#pragma once

#include "gossip-transport.h"
