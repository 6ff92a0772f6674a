/* placeholder */
#include "config.h"
#include <glib.h>
