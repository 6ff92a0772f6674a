/* gossip-msgpack-codec.c: the msgpack implementation of GossipCodec.
 *
 * The encoder writes exactly what Go's shamaton/msgpack emits for the same
 * data (compact integer forms, str8, bin for byte arrays, maps in field
 * order), so that packets built from GVariants are byte-identical to those
 * of a Go v0.6.0 node. The decoder accepts what both shamaton and
 * vmihailenco emit. Input is first walked by a small structural checker
 * (lengths against the remaining bytes, nesting depth, extension types)
 * before msgpack-c sees it: msgpack-c allocates the objects of an array or
 * map from its header count before reading the elements, so a short packet
 * claiming 2^32 entries would otherwise make it allocate gigabytes. The
 * checker also counts elements against a budget (gossip-codec-private.h),
 * and the tree shares one instance of each one-byte value (nil, booleans,
 * fixints, empty containers), so a packet of nils costs a pointer per nil,
 * not two GVariants; other scalars are boxed from their serialized bytes.
 */
#include "config.h"

#include <string.h>

#include <msgpack.h>

#include "gossip-msgpack-codec.h"
#include "gossip-codec-private.h"
#include "gossip-error.h"
#include "gossip-time-private.h"
#include "gossip-msgpack-system-private.h"

/* Deepest container nesting accepted on decode (and produced on encode),
 * which is also msgpack-c's own parser stack size. */
#define MAX_CONTAINER_DEPTH 32
/* Guards the encoder's recursion through "v" and maybe boxes, which do not
 * appear on the wire and so do not count as containers. */
#define MAX_ENCODE_RECURSION 256

#define MSGPACK_EXT_TIMESTAMP (-1)

/**
 * GossipMsgpackCodec:
 *
 * A [iface@Gossip.Codec] for msgpack that speaks the dialect of Go's
 * shamaton/msgpack, the codec used by the Go gossip library's examples.
 *
 * Encoded bytes match shamaton's byte for byte when dictionaries are built
 * in the field order of the Go structs; integers of type `x` are always
 * written as int64 (`d3`) so that Go's `GetInt` metadata getters can read
 * them. The decoder also accepts vmihailenco/msgpack's fixed-width
 * integers. See [iface@Gossip.Codec] for the full value mapping.
 *
 * Since: 1.0
 */
struct _GossipMsgpackCodec
{
  GObject parent_instance;
};

static void gossip_msgpack_codec_iface_init (GossipCodecInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (GossipMsgpackCodec, gossip_msgpack_codec, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (GOSSIP_TYPE_CODEC,
                                                      gossip_msgpack_codec_iface_init))

/* Encoding */

static gboolean encode_value (msgpack_packer  *pk,
                              GVariant        *value,
                              guint            depth,
                              guint            recursion,
                              GError         **error);

static gboolean
enter_container (guint    depth,
                 gsize    n_children,
                 GError **error)
{
  if (depth >= MAX_CONTAINER_DEPTH)
    {
      g_set_error (error, GOSSIP_ERROR, GOSSIP_ERROR_ENCODE,
                   "Value nests deeper than %d containers", MAX_CONTAINER_DEPTH);
      return FALSE;
    }

  if (n_children > G_MAXUINT32)
    {
      g_set_error_literal (error, GOSSIP_ERROR, GOSSIP_ERROR_ENCODE,
                           "Container has too many elements for msgpack");
      return FALSE;
    }

  return TRUE;
}

static gboolean
encode_children (msgpack_packer  *pk,
                 GVariant        *value,
                 gsize            n_children,
                 guint            depth,
                 guint            recursion,
                 GError         **error)
{
  for (gsize i = 0; i < n_children; i++)
    {
      g_autoptr(GVariant) child = g_variant_get_child_value (value, i);

      if (!encode_value (pk, child, depth, recursion, error))
        return FALSE;
    }

  return TRUE;
}

static gboolean
encode_array (msgpack_packer  *pk,
              GVariant        *value,
              guint            depth,
              guint            recursion,
              GError         **error)
{
  const GVariantType *element_type = g_variant_type_element (g_variant_get_type (value));
  gsize n_children;

  /* Byte arrays are how Go's [16]byte UUIDs and []byte travel: bin. */
  if (g_variant_type_equal (element_type, G_VARIANT_TYPE_BYTE))
    {
      gsize n_bytes = 0;
      const guint8 *bytes = g_variant_get_fixed_array (value, &n_bytes, 1);

      if (n_bytes > G_MAXUINT32)
        {
          g_set_error_literal (error, GOSSIP_ERROR, GOSSIP_ERROR_ENCODE,
                               "Byte array too long for msgpack");
          return FALSE;
        }

      msgpack_pack_bin (pk, n_bytes);
      if (n_bytes > 0)
        msgpack_pack_bin_body (pk, bytes, n_bytes);
      return TRUE;
    }

  n_children = g_variant_n_children (value);
  if (!enter_container (depth, n_children, error))
    return FALSE;

  if (g_variant_type_is_dict_entry (element_type))
    {
      /* Each dict entry is a (key, value) pair, so encoding the entries'
       * children in order gives the key/value sequence of a map. */
      msgpack_pack_map (pk, n_children);
      for (gsize i = 0; i < n_children; i++)
        {
          g_autoptr(GVariant) entry = g_variant_get_child_value (value, i);

          if (!encode_children (pk, entry, 2, depth + 1, recursion, error))
            return FALSE;
        }
      return TRUE;
    }

  msgpack_pack_array (pk, n_children);
  return encode_children (pk, value, n_children, depth + 1, recursion, error);
}

static gboolean
encode_value (msgpack_packer  *pk,
              GVariant        *value,
              guint            depth,
              guint            recursion,
              GError         **error)
{
  if (recursion >= MAX_ENCODE_RECURSION)
    {
      g_set_error_literal (error, GOSSIP_ERROR, GOSSIP_ERROR_ENCODE,
                           "Value is nested too deeply");
      return FALSE;
    }
  recursion++;

  switch (g_variant_classify (value))
    {
    case G_VARIANT_CLASS_BOOLEAN:
      if (g_variant_get_boolean (value))
        msgpack_pack_true (pk);
      else
        msgpack_pack_false (pk);
      return TRUE;

    /* msgpack-c's non-"fix" packers pick the smallest form, as shamaton
     * does; positive signed values use the unsigned forms there too. */
    case G_VARIANT_CLASS_BYTE:
      msgpack_pack_uint8 (pk, g_variant_get_byte (value));
      return TRUE;

    case G_VARIANT_CLASS_UINT16:
      msgpack_pack_uint16 (pk, g_variant_get_uint16 (value));
      return TRUE;

    case G_VARIANT_CLASS_UINT32:
      msgpack_pack_uint32 (pk, g_variant_get_uint32 (value));
      return TRUE;

    case G_VARIANT_CLASS_UINT64:
      msgpack_pack_uint64 (pk, g_variant_get_uint64 (value));
      return TRUE;

    case G_VARIANT_CLASS_INT16:
      msgpack_pack_int16 (pk, g_variant_get_int16 (value));
      return TRUE;

    case G_VARIANT_CLASS_INT32:
      msgpack_pack_int32 (pk, g_variant_get_int32 (value));
      return TRUE;

    case G_VARIANT_CLASS_INT64:
      /* Always int64 so Go decodes it as int64 inside interface{} values
       * (PROTOCOL §5.1): shamaton turns small compact ints into uint8,
       * which Go v0.6.0's metadata getters ignore. */
      msgpack_pack_fix_int64 (pk, g_variant_get_int64 (value));
      return TRUE;

    case G_VARIANT_CLASS_DOUBLE:
      msgpack_pack_double (pk, g_variant_get_double (value));
      return TRUE;

    case G_VARIANT_CLASS_STRING:
    case G_VARIANT_CLASS_OBJECT_PATH:
    case G_VARIANT_CLASS_SIGNATURE:
      {
        gsize len = 0;
        const char *str = g_variant_get_string (value, &len);

        if (len > G_MAXUINT32)
          {
            g_set_error_literal (error, GOSSIP_ERROR, GOSSIP_ERROR_ENCODE,
                                 "String too long for msgpack");
            return FALSE;
          }

        msgpack_pack_str (pk, len);
        if (len > 0)
          msgpack_pack_str_body (pk, str, len);
        return TRUE;
      }

    case G_VARIANT_CLASS_HANDLE:
      g_set_error_literal (error, GOSSIP_ERROR, GOSSIP_ERROR_ENCODE,
                           "File descriptor handles cannot be encoded");
      return FALSE;

    case G_VARIANT_CLASS_VARIANT:
      {
        g_autoptr(GVariant) child = g_variant_get_variant (value);

        return encode_value (pk, child, depth, recursion, error);
      }

    case G_VARIANT_CLASS_MAYBE:
      {
        g_autoptr(GVariant) child = g_variant_get_maybe (value);

        if (child == NULL)
          {
            msgpack_pack_nil (pk);
            return TRUE;
          }

        return encode_value (pk, child, depth, recursion, error);
      }

    case G_VARIANT_CLASS_ARRAY:
      return encode_array (pk, value, depth, recursion, error);

    case G_VARIANT_CLASS_TUPLE:
    case G_VARIANT_CLASS_DICT_ENTRY:
      {
        gsize n_children = g_variant_n_children (value);

        /* A time: Go's time.Time form, the timestamp extension. */
        if (gossip_time_variant_is (value))
          {
            guint8 body[12];
            gsize len = gossip_time_to_msgpack_ext (gossip_time_variant_get (value), body);

            msgpack_pack_ext (pk, len, MSGPACK_EXT_TIMESTAMP);
            msgpack_pack_ext_body (pk, body, len);
            return TRUE;
          }

        if (!enter_container (depth, n_children, error))
          return FALSE;

        msgpack_pack_array (pk, n_children);
        return encode_children (pk, value, n_children, depth + 1, recursion, error);
      }

    default:
      break;
    }

  g_set_error (error, GOSSIP_ERROR, GOSSIP_ERROR_ENCODE,
               "Cannot encode a value of type “%s”", g_variant_get_type_string (value));
  return FALSE;
}

static GBytes *
gossip_msgpack_codec_encode (GossipCodec  *codec,
                             GVariant     *value,
                             GError      **error)
{
  msgpack_sbuffer sbuf;
  msgpack_packer pk;
  gsize size;

  msgpack_sbuffer_init (&sbuf);
  msgpack_packer_init (&pk, &sbuf, msgpack_sbuffer_write);

  if (!encode_value (&pk, value, 0, 0, error))
    {
      msgpack_sbuffer_destroy (&sbuf);
      return NULL;
    }

  /* GLib's allocator is the system malloc (since 2.46), so the buffer
   * msgpack-c allocated can be handed to GBytes as is. */
  size = sbuf.size;
  return g_bytes_new_take (msgpack_sbuffer_release (&sbuf), size);
}

/* Decoding: structural check */

static gboolean
set_truncated (GError **error)
{
  g_set_error_literal (error, GOSSIP_ERROR, GOSSIP_ERROR_DECODE,
                       "Truncated msgpack data");
  return FALSE;
}

static gboolean
read_uint_be (const guint8  *data,
              gsize          size,
              gsize         *pos,
              guint          n_bytes,
              guint64       *out,
              GError       **error)
{
  guint64 v = 0;

  if (n_bytes > size - *pos)
    return set_truncated (error);

  for (guint i = 0; i < n_bytes; i++)
    v = (v << 8) | data[*pos + i];

  *pos += n_bytes;
  *out = v;
  return TRUE;
}

typedef struct {
  guint64 left;   /* elements still allowed */
  guint   max;    /* 0: no limit */
} Budget;

static gboolean
set_over_budget (const Budget  *budget,
                 GError       **error)
{
  g_set_error (error, GOSSIP_ERROR, GOSSIP_ERROR_TOO_LARGE,
               "msgpack data holds more than %u elements", budget->max);
  return FALSE;
}

/* Walks one msgpack value at data[*pos] without building anything, so that
 * every length is known to fit in the input (and in the budget) before
 * msgpack-c allocates. */
static gboolean
check_value (const guint8  *data,
             gsize          size,
             gsize         *pos,
             guint          depth,
             Budget        *budget,
             GError       **error)
{
  enum { SKIP, ARRAY, MAP, EXT } kind = SKIP;
  guint64 n = 0;
  guint len_bytes = 0;
  guint8 c;

  if (*pos >= size)
    return set_truncated (error);
  if (budget->left == 0)
    return set_over_budget (budget, error);
  budget->left--;

  c = data[(*pos)++];

  if (c <= 0x7f || c >= 0xe0)
    return TRUE;
  else if (c <= 0x8f)
    {
      kind = MAP;
      n = c & 0x0f;
    }
  else if (c <= 0x9f)
    {
      kind = ARRAY;
      n = c & 0x0f;
    }
  else if (c <= 0xbf)
    n = c & 0x1f;
  else
    {
      switch (c)
        {
        case 0xc0: case 0xc2: case 0xc3:
          return TRUE;
        case 0xc4: case 0xd9:
          len_bytes = 1;
          break;
        case 0xc5: case 0xda:
          len_bytes = 2;
          break;
        case 0xc6: case 0xdb:
          len_bytes = 4;
          break;
        case 0xc7:
          kind = EXT;
          len_bytes = 1;
          break;
        case 0xc8:
          kind = EXT;
          len_bytes = 2;
          break;
        case 0xc9:
          kind = EXT;
          len_bytes = 4;
          break;
        case 0xcc: case 0xd0:
          n = 1;
          break;
        case 0xcd: case 0xd1:
          n = 2;
          break;
        case 0xca: case 0xce: case 0xd2:
          n = 4;
          break;
        case 0xcb: case 0xcf: case 0xd3:
          n = 8;
          break;
        case 0xd4: case 0xd5: case 0xd6: case 0xd7: case 0xd8:
          kind = EXT;
          n = 1u << (c - 0xd4);
          break;
        case 0xdc:
          kind = ARRAY;
          len_bytes = 2;
          break;
        case 0xdd:
          kind = ARRAY;
          len_bytes = 4;
          break;
        case 0xde:
          kind = MAP;
          len_bytes = 2;
          break;
        case 0xdf:
          kind = MAP;
          len_bytes = 4;
          break;
        default:
          g_set_error (error, GOSSIP_ERROR, GOSSIP_ERROR_DECODE,
                       "Invalid msgpack type byte 0x%02x", c);
          return FALSE;
        }
    }

  if (len_bytes > 0 && !read_uint_be (data, size, pos, len_bytes, &n, error))
    return FALSE;

  switch (kind)
    {
    case EXT:
      {
        gint8 ext_type;

        if (*pos >= size)
          return set_truncated (error);
        ext_type = (gint8) data[(*pos)++];

        if (ext_type != MSGPACK_EXT_TIMESTAMP || (n != 4 && n != 8 && n != 12))
          {
            g_set_error (error, GOSSIP_ERROR, GOSSIP_ERROR_DECODE,
                         "Unsupported msgpack extension type %d of length %" G_GUINT64_FORMAT,
                         ext_type, n);
            return FALSE;
          }
      }
      G_GNUC_FALLTHROUGH;

    case SKIP:
      if (n > size - *pos)
        return set_truncated (error);
      *pos += n;
      return TRUE;

    case ARRAY:
    case MAP:
      if (depth >= MAX_CONTAINER_DEPTH)
        {
          g_set_error (error, GOSSIP_ERROR, GOSSIP_ERROR_DECODE,
                       "msgpack data nests deeper than %d containers",
                       MAX_CONTAINER_DEPTH);
          return FALSE;
        }

      if (kind == MAP)
        n *= 2;

      /* Every element takes at least one byte, and one of the budget:
       * a count beyond either is refused before walking. */
      if (n > size - *pos)
        return set_truncated (error);
      if (n > budget->left)
        return set_over_budget (budget, error);

      for (guint64 i = 0; i < n; i++)
        {
          if (!check_value (data, size, pos, depth + 1, budget, error))
            return FALSE;
        }
      return TRUE;

    default:
      g_assert_not_reached ();
    }

  return FALSE;
}

/* Decoding: msgpack objects to GVariant */

static guint64
load_be (const guint8 *p,
         guint         n_bytes)
{
  guint64 v = 0;

  for (guint i = 0; i < n_bytes; i++)
    v = (v << 8) | p[i];

  return v;
}

/* msgpack-c leaves the pointer of an empty str or bin NULL. */
static char *
dup_str (const msgpack_object_str *str)
{
  return str->size > 0 ? g_strndup (str->ptr, str->size) : g_strdup ("");
}

static GVariant *
new_bytestring (const void *data,
                gsize       len)
{
  g_autoptr(GBytes) bytes = g_bytes_new (len > 0 ? data : NULL, len);

  return g_variant_new_from_bytes (G_VARIANT_TYPE_BYTESTRING, bytes, TRUE);
}

/* The three timestamp layouts of the msgpack spec, as Unix nanoseconds. */
static GVariant *
timestamp_to_variant (const msgpack_object_ext  *ext,
                      GError                   **error)
{
  const guint8 *p = (const guint8 *) ext->ptr;
  gint64 seconds;
  guint32 nanoseconds;
  gint64 result;

  switch (ext->size)
    {
    case 4:
      seconds = (gint64) load_be (p, 4);
      nanoseconds = 0;
      break;

    case 8:
      {
        guint64 v = load_be (p, 8);

        nanoseconds = (guint32) (v >> 34);
        seconds = (gint64) (v & G_GUINT64_CONSTANT (0x3ffffffff));
      }
      break;

    case 12:
      nanoseconds = (guint32) load_be (p, 4);
      seconds = (gint64) load_be (p + 4, 8);
      break;

    default:
      g_set_error (error, GOSSIP_ERROR, GOSSIP_ERROR_DECODE,
                   "Invalid msgpack timestamp length %u", ext->size);
      return NULL;
    }

  if (nanoseconds > 999999999 ||
      __builtin_mul_overflow (seconds, (gint64) G_GINT64_CONSTANT (1000000000), &result) ||
      __builtin_add_overflow (result, (gint64) nanoseconds, &result))
    {
      g_set_error_literal (error, GOSSIP_ERROR, GOSSIP_ERROR_DECODE,
                           "msgpack timestamp out of range");
      return NULL;
    }

  return g_variant_new_int64 (result);
}

/* One instance per decode of each value that takes a single byte on the
 * wire (scalars, empty containers), already boxed in a "v": those are
 * what a cheap bomb is made of. */
#define N_FIXINTS (128 + 32)
typedef struct {
  GVariant *nil;
  GVariant *booleans[2];
  GVariant *fixints[N_FIXINTS];   /* -32 .. 127 */
  GVariant *empty[3];             /* "", [], {} */
} Shared;

static void
shared_clear (Shared *shared)
{
  g_clear_pointer (&shared->nil, g_variant_unref);
  for (guint i = 0; i < 2; i++)
    g_clear_pointer (&shared->booleans[i], g_variant_unref);
  for (guint i = 0; i < N_FIXINTS; i++)
    g_clear_pointer (&shared->fixints[i], g_variant_unref);
  for (guint i = 0; i < G_N_ELEMENTS (shared->empty); i++)
    g_clear_pointer (&shared->empty[i], g_variant_unref);
}

static GVariant **
shared_slot (Shared               *shared,
             const msgpack_object *obj)
{
  switch (obj->type)
    {
    case MSGPACK_OBJECT_NIL:
      return &shared->nil;
    case MSGPACK_OBJECT_BOOLEAN:
      return &shared->booleans[obj->via.boolean ? 1 : 0];
    case MSGPACK_OBJECT_POSITIVE_INTEGER:
      return obj->via.u64 <= 127 ? &shared->fixints[32 + obj->via.u64] : NULL;
    case MSGPACK_OBJECT_NEGATIVE_INTEGER:
      return obj->via.i64 >= -32 ? &shared->fixints[32 + obj->via.i64] : NULL;
    case MSGPACK_OBJECT_STR:
      return obj->via.str.size == 0 ? &shared->empty[0] : NULL;
    case MSGPACK_OBJECT_ARRAY:
      return obj->via.array.size == 0 ? &shared->empty[1] : NULL;
    case MSGPACK_OBJECT_MAP:
      return obj->via.map.size == 0 ? &shared->empty[2] : NULL;
    default:
      return NULL;
    }
}

static GVariant *object_to_variant (const msgpack_object  *obj,
                                    Shared                *shared,
                                    GError               **error);

/* A "v" holding a scalar of @type_char, straight from the child's
 * serialized bytes (a "v" is the child's data, a NUL, the child's type):
 * one GVariant instead of two, and no children array. */
static GVariant *
boxed_scalar (const void *data,
              gsize       len,
              gboolean    nul_terminate,
              char        type_char)
{
  gsize total = len + (nul_terminate ? 1 : 0) + 2;
  guint8 *buf = g_malloc (total);
  gsize pos = len;

  memcpy (buf, data, len);
  if (nul_terminate)
    buf[pos++] = '\0';
  buf[pos++] = '\0';
  buf[pos] = type_char;
  return g_variant_ref_sink (g_variant_new_from_data (G_VARIANT_TYPE_VARIANT, buf, total, TRUE, g_free, buf));
}

/* @obj boxed in a "v", as a full (not floating) reference. */
static GVariant *
object_to_boxed (const msgpack_object  *obj,
                 Shared                *shared,
                 GError               **error)
{
  GVariant **slot = shared_slot (shared, obj);
  GVariant *child;

  if (slot != NULL && *slot != NULL)
    return g_variant_ref (*slot);

  if (slot == NULL)
    switch (obj->type)
      {
      case MSGPACK_OBJECT_STR:
        /* g_utf8_validate_len() also refuses NUL, which "s" cannot hold. */
        if (g_utf8_validate_len (obj->via.str.ptr, obj->via.str.size, NULL))
          return boxed_scalar (obj->via.str.ptr, obj->via.str.size, TRUE, 's');
        break;
      case MSGPACK_OBJECT_POSITIVE_INTEGER:
        if (obj->via.u64 <= G_MAXINT64)
          {
            gint64 v = (gint64) obj->via.u64;
            return boxed_scalar (&v, sizeof v, FALSE, 'x');
          }
        return boxed_scalar (&obj->via.u64, sizeof obj->via.u64, FALSE, 't');
      case MSGPACK_OBJECT_NEGATIVE_INTEGER:
        return boxed_scalar (&obj->via.i64, sizeof obj->via.i64, FALSE, 'x');
      case MSGPACK_OBJECT_FLOAT32:
      case MSGPACK_OBJECT_FLOAT64:
        return boxed_scalar (&obj->via.f64, sizeof obj->via.f64, FALSE, 'd');
      default:
        break;
      }

  child = object_to_variant (obj, shared, error);
  if (child == NULL)
    return NULL;
  child = g_variant_ref_sink (g_variant_new_variant (child));
  if (slot != NULL)
    *slot = g_variant_ref (child);
  return child;
}

static char *
map_key_to_string (const msgpack_object  *key,
                   GError               **error)
{
  switch (key->type)
    {
    case MSGPACK_OBJECT_STR:
      if (!g_utf8_validate_len (key->via.str.ptr, key->via.str.size, NULL))
        break;
      return dup_str (&key->via.str);

    case MSGPACK_OBJECT_POSITIVE_INTEGER:
      return g_strdup_printf ("%" G_GUINT64_FORMAT, key->via.u64);

    case MSGPACK_OBJECT_NEGATIVE_INTEGER:
      return g_strdup_printf ("%" G_GINT64_FORMAT, key->via.i64);

    default:
      break;
    }

  g_set_error_literal (error, GOSSIP_ERROR, GOSSIP_ERROR_DECODE,
                       "msgpack map key is neither a UTF-8 string nor an integer");
  return NULL;
}

static GVariant *
object_to_variant (const msgpack_object  *obj,
                   Shared                *shared,
                   GError               **error)
{
  switch (obj->type)
    {
    case MSGPACK_OBJECT_NIL:
      return g_variant_new_maybe (G_VARIANT_TYPE_VARIANT, NULL);

    case MSGPACK_OBJECT_BOOLEAN:
      return g_variant_new_boolean (obj->via.boolean);

    case MSGPACK_OBJECT_POSITIVE_INTEGER:
      if (obj->via.u64 <= G_MAXINT64)
        return g_variant_new_int64 ((gint64) obj->via.u64);
      return g_variant_new_uint64 (obj->via.u64);

    case MSGPACK_OBJECT_NEGATIVE_INTEGER:
      return g_variant_new_int64 (obj->via.i64);

    case MSGPACK_OBJECT_FLOAT32:
    case MSGPACK_OBJECT_FLOAT64:
      return g_variant_new_double (obj->via.f64);

    case MSGPACK_OBJECT_STR:
      /* g_utf8_validate_len() also refuses NUL, which "s" cannot hold. */
      if (g_utf8_validate_len (obj->via.str.ptr, obj->via.str.size, NULL))
        return g_variant_new_take_string (dup_str (&obj->via.str));
      return new_bytestring (obj->via.str.ptr, obj->via.str.size);

    case MSGPACK_OBJECT_BIN:
      return new_bytestring (obj->via.bin.ptr, obj->via.bin.size);

    case MSGPACK_OBJECT_ARRAY:
      {
        g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE ("av"));

        for (guint32 i = 0; i < obj->via.array.size; i++)
          {
            g_autoptr(GVariant) child = object_to_boxed (&obj->via.array.ptr[i], shared, error);

            if (child == NULL)
              return NULL;
            g_variant_builder_add_value (&builder, child);
          }

        return g_variant_builder_end (&builder);
      }

    case MSGPACK_OBJECT_MAP:
      {
        g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);

        for (guint32 i = 0; i < obj->via.map.size; i++)
          {
            const msgpack_object_kv *kv = &obj->via.map.ptr[i];
            g_autofree char *key = map_key_to_string (&kv->key, error);
            g_autoptr(GVariant) child = NULL;

            if (key == NULL)
              return NULL;

            child = object_to_boxed (&kv->val, shared, error);
            if (child == NULL)
              return NULL;

            g_variant_builder_add_value (&builder,
                                         g_variant_new_dict_entry (g_variant_new_take_string (g_steal_pointer (&key)),
                                                                   child));
          }

        return g_variant_builder_end (&builder);
      }

    case MSGPACK_OBJECT_EXT:
      if (obj->via.ext.type == MSGPACK_EXT_TIMESTAMP)
        return timestamp_to_variant (&obj->via.ext, error);
      g_set_error (error, GOSSIP_ERROR, GOSSIP_ERROR_DECODE,
                   "Unsupported msgpack extension type %d", obj->via.ext.type);
      return NULL;

    default:
      break;
    }

  g_set_error (error, GOSSIP_ERROR, GOSSIP_ERROR_DECODE,
               "Unsupported msgpack object type %d", (int) obj->type);
  return NULL;
}

gboolean
gossip_msgpack_codec_check_bounded (const guint8  *data,
                                    gsize          size,
                                    guint          max_elements,
                                    GError       **error)
{
  Budget budget = { max_elements > 0 ? max_elements : G_MAXUINT64, max_elements };
  gsize pos = 0;

  if (size == 0)
    {
      g_set_error_literal (error, GOSSIP_ERROR, GOSSIP_ERROR_DECODE,
                           "Cannot decode a msgpack value from empty data");
      return FALSE;
    }

  if (!check_value (data, size, &pos, 0, &budget, error))
    return FALSE;

  if (pos != size)
    {
      g_set_error (error, GOSSIP_ERROR, GOSSIP_ERROR_DECODE,
                   "%" G_GSIZE_FORMAT " trailing bytes after the msgpack value",
                   size - pos);
      return FALSE;
    }
  return TRUE;
}

GVariant *
gossip_msgpack_codec_decode_bounded (const guint8  *data,
                                     gsize          size,
                                     guint          max_elements,
                                     GError       **error)
{
  msgpack_unpacked unpacked;
  msgpack_unpack_return ret;
  size_t offset = 0;
  GVariant *result = NULL;
  Shared shared = { 0 };

  if (!gossip_msgpack_codec_check_bounded (data, size, max_elements, error))
    return NULL;

  msgpack_unpacked_init (&unpacked);
  ret = msgpack_unpack_next (&unpacked, (const char *) data, size, &offset);

  if (ret != MSGPACK_UNPACK_SUCCESS || offset != size)
    g_set_error (error, GOSSIP_ERROR, GOSSIP_ERROR_DECODE,
                 "Invalid msgpack data (msgpack-c status %d)", (int) ret);
  else
    result = object_to_variant (&unpacked.data, &shared, error);

  msgpack_unpacked_destroy (&unpacked);
  shared_clear (&shared);

  return result;
}

static GVariant *
gossip_msgpack_codec_decode (GossipCodec   *codec,
                             GBytes        *bytes,
                             GError       **error)
{
  gsize size;
  const guint8 *data = g_bytes_get_data (bytes, &size);

  return gossip_msgpack_codec_decode_bounded (data, size, 0, error);
}

static const char *
gossip_msgpack_codec_get_name (GossipCodec *codec)
{
  return "msgpack";
}

static void
gossip_msgpack_codec_iface_init (GossipCodecInterface *iface)
{
  iface->get_name = gossip_msgpack_codec_get_name;
  iface->encode = gossip_msgpack_codec_encode;
  iface->decode = gossip_msgpack_codec_decode;
}

static void
gossip_msgpack_codec_class_init (GossipMsgpackCodecClass *klass)
{
  gossip_codec_type_set_fast_path (GOSSIP_TYPE_MSGPACK_CODEC, &gossip_msgpack_fast_path);
}

static void
gossip_msgpack_codec_init (GossipMsgpackCodec *self)
{
}

/**
 * gossip_msgpack_codec_new:
 *
 * Creates a msgpack codec compatible with Go's shamaton/msgpack.
 *
 * Returns: (transfer full): a new [class@Gossip.MsgpackCodec]
 *
 * Since: 1.0
 */
GossipCodec *
gossip_msgpack_codec_new (void)
{
  return g_object_new (GOSSIP_TYPE_MSGPACK_CODEC, NULL);
}
