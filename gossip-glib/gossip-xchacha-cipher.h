#pragma once
#include <glib-object.h>
#include "gossip-version.h"
