/* gossip-glib.h: the one header of gossip-glib. */
#pragma once

#define GOSSIP_INSIDE

#include "gossip-version.h"
#include "gossip-error.h"
#include "gossip-codec.h"
#include "gossip-msgpack-codec.h"
#include "gossip-json-codec.h"
#include "gossip-compressor.h"
#include "gossip-snappy-compressor.h"
#include "gossip-cipher.h"
#include "gossip-aes-gcm-cipher.h"
#include "gossip-xchacha-cipher.h"
#include "gossip-metadata.h"
#include "gossip-node.h"
#include "gossip-transport.h"
#include "gossip-socket-transport.h"
#include "gossip-websocket-transport.h"
#include "gossip-stream.h"
#include "gossip-packet.h"
#include "gossip-config.h"
#include "gossip-cluster.h"
#include "gossip-cluster-streams.h"
#include "gossip-stats.h"
#include "gossip-node-group.h"
#include "gossip-leader-election.h"
#include "gossip-enums.h"

#undef GOSSIP_INSIDE
