/* gossip-json-codec.c: the JSON implementation of GossipCodec, compatible
 * with Go's encoding/json as used by the Go gossip library's JSON codec.
 *
 * Encoding uses a small writer of our own rather than JsonGenerator: the
 * wire needs compact output with members in the GVariant's order, integers
 * never in exponent form and uint64 values above 2^63 written exactly,
 * none of which JsonNode can guarantee. Decoding uses JsonParser for the
 * tree, after a strict scan of our own: json-glib 1.6 accepts much that is
 * not JSON (comments, "var x =", hex numbers, a second value after the
 * first), silently truncates strings at "\u0000", and stores integers as
 * gint64, wrapping anything above G_MAXINT64. The scan rejects the former
 * and keeps the text of every number so that big integers come out exact.
 * The scan also counts values against a budget of elements
 * (gossip-codec-private.h) before json-glib builds its tree, and the
 * GVariant tree shares one instance of null, true, false and each small
 * integer.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "gossip-time-private.h"
#include <json-glib/json-glib.h>

#include "gossip-json-codec.h"
#include "gossip-codec-private.h"
#include "gossip-error.h"

/* Deepest container nesting accepted on decode (and produced on encode),
 * the same limit as the msgpack codec. */
#define MAX_CONTAINER_DEPTH 32
/* Guards the encoder's recursion through "v" and maybe boxes, which do not
 * appear in the output and so do not count as containers. */
#define MAX_ENCODE_RECURSION 256

/**
 * GossipJsonCodec:
 *
 * A [iface@Gossip.Codec] for JSON that reads and writes what Go's
 * `encoding/json` does for the gossip message structs.
 *
 * Output is compact, with object members in the order of the dictionary
 * entries. Byte arrays (`ay`) are written as arrays of numbers, which is how
 * Go encodes the `[16]byte` node IDs; a Go `[]byte` field, which Go writes
 * as a base64 string, arrives as a string. Integers above 2^53 (message IDs
 * and other HLC timestamps) are written and read exactly. See
 * [iface@Gossip.Codec] for the full value mapping.
 *
 * Since: 1.0
 */
struct _GossipJsonCodec
{
  GObject parent_instance;
};

static void gossip_json_codec_iface_init (GossipCodecInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (GossipJsonCodec, gossip_json_codec, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (GOSSIP_TYPE_CODEC,
                                                      gossip_json_codec_iface_init))

/* Encoding */

static gboolean write_value (GString   *out,
                             GVariant  *value,
                             guint      depth,
                             guint      recursion,
                             GError   **error);

static void
write_string (GString    *out,
              const char *str,
              gsize       len)
{
  g_string_append_c (out, '"');

  for (gsize i = 0; i < len; i++)
    {
      guchar c = (guchar) str[i];

      if (c == '"' || c == '\\')
        {
          g_string_append_c (out, '\\');
          g_string_append_c (out, (char) c);
        }
      else if (c < 0x20)
        g_string_append_printf (out, "\\u%04x", c);
      else
        g_string_append_c (out, (char) c);
    }

  g_string_append_c (out, '"');
}

static gboolean
write_double (GString  *out,
              double    d,
              GError  **error)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (!isfinite (d))
    {
      g_set_error_literal (error, GOSSIP_ERROR, GOSSIP_ERROR_ENCODE,
                           "JSON cannot represent NaN or infinite numbers");
      return FALSE;
    }

  /* The shortest precision that reads back as the same double; 17
   * significant digits always do. */
  for (int precision = 1; precision <= 17; precision++)
    {
      char format[8];

      g_snprintf (format, sizeof format, "%%.%dg", precision);
      g_ascii_formatd (buf, sizeof buf, format, d);
      if (g_ascii_strtod (buf, NULL) == d)
        break;
    }

  g_string_append (out, buf);

  /* Keep doubles recognisable as non-integers, so a decoded "d" stays "d". */
  if (strpbrk (buf, ".eE") == NULL)
    g_string_append (out, ".0");

  return TRUE;
}

/* Go's encoding/json allows string and integer map keys; integers are
 * written as strings. */
static gboolean
write_key (GString   *out,
           GVariant  *key,
           GError   **error)
{
  switch (g_variant_classify (key))
    {
    case G_VARIANT_CLASS_STRING:
    case G_VARIANT_CLASS_OBJECT_PATH:
    case G_VARIANT_CLASS_SIGNATURE:
      {
        gsize len = 0;
        const char *str = g_variant_get_string (key, &len);

        write_string (out, str, len);
        return TRUE;
      }

    case G_VARIANT_CLASS_BYTE:
      g_string_append_printf (out, "\"%u\"", g_variant_get_byte (key));
      return TRUE;
    case G_VARIANT_CLASS_UINT16:
      g_string_append_printf (out, "\"%u\"", g_variant_get_uint16 (key));
      return TRUE;
    case G_VARIANT_CLASS_UINT32:
      g_string_append_printf (out, "\"%u\"", g_variant_get_uint32 (key));
      return TRUE;
    case G_VARIANT_CLASS_UINT64:
      g_string_append_printf (out, "\"%" G_GUINT64_FORMAT "\"", g_variant_get_uint64 (key));
      return TRUE;
    case G_VARIANT_CLASS_INT16:
      g_string_append_printf (out, "\"%d\"", g_variant_get_int16 (key));
      return TRUE;
    case G_VARIANT_CLASS_INT32:
      g_string_append_printf (out, "\"%d\"", g_variant_get_int32 (key));
      return TRUE;
    case G_VARIANT_CLASS_INT64:
      g_string_append_printf (out, "\"%" G_GINT64_FORMAT "\"", g_variant_get_int64 (key));
      return TRUE;

    default:
      break;
    }

  g_set_error (error, GOSSIP_ERROR, GOSSIP_ERROR_ENCODE,
               "JSON object keys must be strings or integers, not “%s”",
               g_variant_get_type_string (key));
  return FALSE;
}

static gboolean
check_depth (guint    depth,
             GError **error)
{
  if (depth < MAX_CONTAINER_DEPTH)
    return TRUE;

  g_set_error (error, GOSSIP_ERROR, GOSSIP_ERROR_ENCODE,
               "Value nests deeper than %d containers", MAX_CONTAINER_DEPTH);
  return FALSE;
}

/* Writes the children of a tuple or array as a JSON array. */
static gboolean
write_children (GString   *out,
                GVariant  *value,
                guint      depth,
                guint      recursion,
                GError   **error)
{
  gsize n_children = g_variant_n_children (value);

  if (!check_depth (depth, error))
    return FALSE;

  g_string_append_c (out, '[');
  for (gsize i = 0; i < n_children; i++)
    {
      g_autoptr(GVariant) child = g_variant_get_child_value (value, i);

      if (i > 0)
        g_string_append_c (out, ',');
      if (!write_value (out, child, depth + 1, recursion, error))
        return FALSE;
    }
  g_string_append_c (out, ']');

  return TRUE;
}

static gboolean
write_array (GString   *out,
             GVariant  *value,
             guint      depth,
             guint      recursion,
             GError   **error)
{
  const GVariantType *element_type = g_variant_type_element (g_variant_get_type (value));

  /* Go writes [16]byte (node IDs) as an array of numbers. */
  if (g_variant_type_equal (element_type, G_VARIANT_TYPE_BYTE))
    {
      gsize n_bytes = 0;
      const guint8 *bytes = g_variant_get_fixed_array (value, &n_bytes, 1);

      g_string_append_c (out, '[');
      for (gsize i = 0; i < n_bytes; i++)
        g_string_append_printf (out, i > 0 ? ",%u" : "%u", bytes[i]);
      g_string_append_c (out, ']');
      return TRUE;
    }

  if (g_variant_type_is_dict_entry (element_type))
    {
      gsize n_children = g_variant_n_children (value);

      if (!check_depth (depth, error))
        return FALSE;

      g_string_append_c (out, '{');
      for (gsize i = 0; i < n_children; i++)
        {
          g_autoptr(GVariant) entry = g_variant_get_child_value (value, i);
          g_autoptr(GVariant) key = g_variant_get_child_value (entry, 0);
          g_autoptr(GVariant) member = g_variant_get_child_value (entry, 1);

          if (i > 0)
            g_string_append_c (out, ',');
          if (!write_key (out, key, error))
            return FALSE;
          g_string_append_c (out, ':');
          if (!write_value (out, member, depth + 1, recursion, error))
            return FALSE;
        }
      g_string_append_c (out, '}');
      return TRUE;
    }

  return write_children (out, value, depth, recursion, error);
}

static gboolean
write_value (GString   *out,
             GVariant  *value,
             guint      depth,
             guint      recursion,
             GError   **error)
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
      g_string_append (out, g_variant_get_boolean (value) ? "true" : "false");
      return TRUE;

    case G_VARIANT_CLASS_BYTE:
      g_string_append_printf (out, "%u", g_variant_get_byte (value));
      return TRUE;
    case G_VARIANT_CLASS_UINT16:
      g_string_append_printf (out, "%u", g_variant_get_uint16 (value));
      return TRUE;
    case G_VARIANT_CLASS_UINT32:
      g_string_append_printf (out, "%u", g_variant_get_uint32 (value));
      return TRUE;
    case G_VARIANT_CLASS_UINT64:
      g_string_append_printf (out, "%" G_GUINT64_FORMAT, g_variant_get_uint64 (value));
      return TRUE;
    case G_VARIANT_CLASS_INT16:
      g_string_append_printf (out, "%d", g_variant_get_int16 (value));
      return TRUE;
    case G_VARIANT_CLASS_INT32:
      g_string_append_printf (out, "%d", g_variant_get_int32 (value));
      return TRUE;
    case G_VARIANT_CLASS_INT64:
      g_string_append_printf (out, "%" G_GINT64_FORMAT, g_variant_get_int64 (value));
      return TRUE;

    case G_VARIANT_CLASS_DOUBLE:
      return write_double (out, g_variant_get_double (value), error);

    case G_VARIANT_CLASS_STRING:
    case G_VARIANT_CLASS_OBJECT_PATH:
    case G_VARIANT_CLASS_SIGNATURE:
      {
        gsize len = 0;
        const char *str = g_variant_get_string (value, &len);

        write_string (out, str, len);
        return TRUE;
      }

    case G_VARIANT_CLASS_HANDLE:
      g_set_error_literal (error, GOSSIP_ERROR, GOSSIP_ERROR_ENCODE,
                           "File descriptor handles cannot be encoded");
      return FALSE;

    case G_VARIANT_CLASS_VARIANT:
      {
        g_autoptr(GVariant) child = g_variant_get_variant (value);

        return write_value (out, child, depth, recursion, error);
      }

    case G_VARIANT_CLASS_MAYBE:
      {
        g_autoptr(GVariant) child = g_variant_get_maybe (value);

        if (child == NULL)
          {
            g_string_append (out, "null");
            return TRUE;
          }

        return write_value (out, child, depth, recursion, error);
      }

    case G_VARIANT_CLASS_ARRAY:
      return write_array (out, value, depth, recursion, error);

    case G_VARIANT_CLASS_TUPLE:
    case G_VARIANT_CLASS_DICT_ENTRY:
      /* A time: Go's MarshalJSON form. A number would reach Go's GetTime
       * as a float64, which it refuses. */
      if (gossip_time_variant_is (value))
        {
          g_autofree char *text = gossip_time_format_rfc3339_nano (gossip_time_variant_get (value));

          if (text == NULL)
            {
              g_set_error_literal (error, GOSSIP_ERROR, GOSSIP_ERROR_ENCODE,
                                   "Time out of range");
              return FALSE;
            }
          write_string (out, text, strlen (text));
          return TRUE;
        }
      return write_children (out, value, depth, recursion, error);

    default:
      break;
    }

  g_set_error (error, GOSSIP_ERROR, GOSSIP_ERROR_ENCODE,
               "Cannot encode a value of type “%s”", g_variant_get_type_string (value));
  return FALSE;
}

static GBytes *
gossip_json_codec_encode (GossipCodec  *codec,
                          GVariant     *value,
                          GError      **error)
{
  g_autoptr(GString) out = g_string_new (NULL);

  if (!write_value (out, value, 0, 0, error))
    return NULL;

  return g_string_free_to_bytes (g_steal_pointer (&out));
}

/* Decoding: strict scan */

typedef struct
{
  gsize start;
  gsize len;
  gboolean integer;
} NumberSpan;

typedef struct
{
  const char *data;
  gsize size;
  gsize pos;
  GArray *numbers;        /* NumberSpan, in document order */
  GArray *object_sizes;   /* guint member counts, objects in pre-order */
  GError **error;
  guint64 budget_left;    /* values still allowed */
  guint max_elements;     /* 0: no limit */
} Scanner;

static gboolean
scan_fail (Scanner    *s,
           const char *what)
{
  g_set_error (s->error, GOSSIP_ERROR, GOSSIP_ERROR_DECODE,
               "Invalid JSON at offset %" G_GSIZE_FORMAT ": %s", s->pos, what);
  return FALSE;
}

static gboolean
at_end (Scanner *s)
{
  return s->pos >= s->size;
}

static char
peek (Scanner *s)
{
  return at_end (s) ? '\0' : s->data[s->pos];
}

static void
skip_whitespace (Scanner *s)
{
  while (!at_end (s) &&
         (s->data[s->pos] == ' ' || s->data[s->pos] == '\t' ||
          s->data[s->pos] == '\n' || s->data[s->pos] == '\r'))
    s->pos++;
}

static gboolean
scan_hex4 (Scanner  *s,
           guint    *out)
{
  guint v = 0;

  if (s->size - s->pos < 4)
    return scan_fail (s, "truncated \\u escape");

  for (guint i = 0; i < 4; i++)
    {
      int digit = g_ascii_xdigit_value (s->data[s->pos + i]);

      if (digit < 0)
        return scan_fail (s, "invalid \\u escape");
      v = (v << 4) | (guint) digit;
    }

  s->pos += 4;
  *out = v;
  return TRUE;
}

static gboolean
scan_string (Scanner *s)
{
  /* The opening quote has been checked by the caller. */
  s->pos++;

  while (!at_end (s))
    {
      guchar c = (guchar) s->data[s->pos];

      if (c == '"')
        {
          s->pos++;
          return TRUE;
        }

      if (c < 0x20)
        return scan_fail (s, "control character in string");

      s->pos++;
      if (c != '\\')
        continue;

      if (at_end (s))
        break;

      c = (guchar) s->data[s->pos++];
      if (c == 'u')
        {
          guint unit;

          if (!scan_hex4 (s, &unit))
            return FALSE;

          /* "s" cannot hold NUL, and json-glib would truncate there. */
          if (unit == 0)
            return scan_fail (s, "NUL character in string");

          if (unit >= 0xdc00 && unit <= 0xdfff)
            return scan_fail (s, "unpaired UTF-16 surrogate");

          if (unit >= 0xd800 && unit <= 0xdbff)
            {
              guint low;

              if (s->size - s->pos < 2 ||
                  s->data[s->pos] != '\\' || s->data[s->pos + 1] != 'u')
                return scan_fail (s, "unpaired UTF-16 surrogate");
              s->pos += 2;
              if (!scan_hex4 (s, &low))
                return FALSE;
              if (low < 0xdc00 || low > 0xdfff)
                return scan_fail (s, "unpaired UTF-16 surrogate");
            }
        }
      else if (strchr ("\"\\/bfnrt", c) == NULL || c == '\0')
        return scan_fail (s, "invalid escape in string");
    }

  return scan_fail (s, "unterminated string");
}

static gboolean
scan_digits (Scanner *s)
{
  gsize start = s->pos;

  while (g_ascii_isdigit (peek (s)))
    s->pos++;

  return s->pos > start;
}

static gboolean
scan_number (Scanner *s)
{
  NumberSpan span = { s->pos, 0, TRUE };

  if (peek (s) == '-')
    s->pos++;

  if (peek (s) == '0')
    s->pos++;
  else if (!scan_digits (s))
    return scan_fail (s, "invalid number");

  if (peek (s) == '.')
    {
      s->pos++;
      span.integer = FALSE;
      if (!scan_digits (s))
        return scan_fail (s, "invalid number");
    }

  if (peek (s) == 'e' || peek (s) == 'E')
    {
      s->pos++;
      span.integer = FALSE;
      if (peek (s) == '+' || peek (s) == '-')
        s->pos++;
      if (!scan_digits (s))
        return scan_fail (s, "invalid number");
    }

  span.len = s->pos - span.start;
  g_array_append_val (s->numbers, span);
  return TRUE;
}

static gboolean
scan_word (Scanner    *s,
           const char *word)
{
  gsize len = strlen (word);

  if (s->size - s->pos < len || memcmp (s->data + s->pos, word, len) != 0)
    return scan_fail (s, "unexpected character");

  s->pos += len;
  return TRUE;
}

static gboolean scan_value (Scanner *s,
                            guint    depth);

static gboolean
scan_container (Scanner *s,
                guint    depth)
{
  gboolean is_object = peek (s) == '{';
  char close = is_object ? '}' : ']';
  guint index = 0;
  guint count = 0;

  if (depth >= MAX_CONTAINER_DEPTH)
    {
      g_set_error (s->error, GOSSIP_ERROR, GOSSIP_ERROR_DECODE,
                   "JSON nests deeper than %d containers", MAX_CONTAINER_DEPTH);
      return FALSE;
    }

  if (is_object)
    {
      index = s->object_sizes->len;
      g_array_append_val (s->object_sizes, count);
    }

  s->pos++;
  skip_whitespace (s);

  if (peek (s) == close)
    {
      s->pos++;
      return TRUE;
    }

  for (;;)
    {
      if (is_object)
        {
          skip_whitespace (s);
          if (peek (s) != '"')
            return scan_fail (s, "expected a member name");
          if (!scan_string (s))
            return FALSE;
          skip_whitespace (s);
          if (peek (s) != ':')
            return scan_fail (s, "expected ':'");
          s->pos++;
        }

      if (!scan_value (s, depth + 1))
        return FALSE;
      count++;

      skip_whitespace (s);
      if (peek (s) == ',')
        {
          s->pos++;
          continue;
        }
      if (peek (s) == close)
        {
          s->pos++;
          break;
        }
      return scan_fail (s, at_end (s) ? "unexpected end of data" : "expected ',' or a closing bracket");
    }

  if (is_object)
    g_array_index (s->object_sizes, guint, index) = count;

  return TRUE;
}

static gboolean
scan_value (Scanner *s,
            guint    depth)
{
  skip_whitespace (s);

  if (at_end (s))
    return scan_fail (s, "unexpected end of data");

  /* Member names are not values: an object member costs one element. */
  if (s->budget_left == 0)
    {
      g_set_error (s->error, GOSSIP_ERROR, GOSSIP_ERROR_TOO_LARGE,
                   "JSON data holds more than %u elements", s->max_elements);
      return FALSE;
    }
  s->budget_left--;

  switch (s->data[s->pos])
    {
    case '{':
    case '[':
      return scan_container (s, depth);
    case '"':
      return scan_string (s);
    case 't':
      return scan_word (s, "true");
    case 'f':
      return scan_word (s, "false");
    case 'n':
      return scan_word (s, "null");
    case '-':
    case '0': case '1': case '2': case '3': case '4':
    case '5': case '6': case '7': case '8': case '9':
      return scan_number (s);
    default:
      return scan_fail (s, "unexpected character");
    }
}

/* Decoding: JsonNode to GVariant */

typedef struct _Shared Shared;

typedef struct
{
  const char *data;
  GArray *numbers;
  guint next_number;
  GArray *object_sizes;
  guint next_object;
  Shared *shared;
} Walker;

static GVariant *
number_to_variant (Walker     *w,
                   gboolean    json_glib_integer,
                   GError    **error)
{
  const NumberSpan *span;
  g_autofree char *text = NULL;
  double d;

  if (w->next_number >= w->numbers->len)
    goto mismatch;

  span = &g_array_index (w->numbers, NumberSpan, w->next_number++);
  if (span->integer != json_glib_integer)
    goto mismatch;

  text = g_strndup (w->data + span->start, span->len);

  if (span->integer)
    {
      if (text[0] == '-')
        {
          gint64 v;

          if (g_ascii_string_to_signed (text, 10, G_MININT64, G_MAXINT64, &v, NULL))
            return g_variant_new_int64 (v);
        }
      else
        {
          guint64 v;

          if (g_ascii_string_to_unsigned (text, 10, 0, G_MAXUINT64, &v, NULL))
            {
              if (v <= G_MAXINT64)
                return g_variant_new_int64 ((gint64) v);
              return g_variant_new_uint64 (v);
            }
        }
      /* Beyond 64 bits: like Go's interface{} decoding, a double. */
    }

  d = g_ascii_strtod (text, NULL);
  if (!isfinite (d))
    {
      g_set_error (error, GOSSIP_ERROR, GOSSIP_ERROR_DECODE,
                   "JSON number %s is out of range", text);
      return NULL;
    }

  return g_variant_new_double (d);

mismatch:
  g_set_error_literal (error, GOSSIP_ERROR, GOSSIP_ERROR_DECODE,
                       "Inconsistent JSON numbers");
  return NULL;
}

/* One boxed instance per decode of null, the booleans and -32..127:
 * an array of them costs a pointer per element. */
#define SHARED_INT_MIN (-32)
#define SHARED_INT_MAX 127

struct _Shared
{
  GVariant *nil;
  GVariant *booleans[2];
  GVariant *ints[SHARED_INT_MAX - SHARED_INT_MIN + 1];
};

static void
shared_clear (Shared *shared)
{
  g_clear_pointer (&shared->nil, g_variant_unref);
  for (guint i = 0; i < 2; i++)
    g_clear_pointer (&shared->booleans[i], g_variant_unref);
  for (guint i = 0; i < G_N_ELEMENTS (shared->ints); i++)
    g_clear_pointer (&shared->ints[i], g_variant_unref);
}

static GVariant *node_to_variant (Walker    *w,
                                  JsonNode  *node,
                                  GError   **error);

/* @node boxed in a "v", as a full (not floating) reference. */
static GVariant *
node_to_boxed (Walker    *w,
               JsonNode  *node,
               GError   **error)
{
  Shared *shared = w->shared;
  GVariant **slot = NULL;
  GVariant *child, *boxed;

  if (JSON_NODE_HOLDS_NULL (node))
    slot = &shared->nil;
  else if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_BOOLEAN)
    slot = &shared->booleans[json_node_get_boolean (node) ? 1 : 0];
  if (slot != NULL && *slot != NULL)
    return g_variant_ref (*slot);

  /* A string: the "v" straight from its serialized bytes (the string, a
   * NUL, a NUL, "s"), one GVariant instead of two. Trusted, so only text
   * that "s" can hold (the scan already refused NUL and lone surrogates). */
  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING &&
      g_utf8_validate (json_node_get_string (node), -1, NULL))
    {
      const char *str = json_node_get_string (node);
      gsize len = strlen (str);
      char *buf = g_malloc (len + 3);

      memcpy (buf, str, len);
      buf[len] = '\0';
      buf[len + 1] = '\0';
      buf[len + 2] = 's';
      return g_variant_ref_sink (g_variant_new_from_data (G_VARIANT_TYPE_VARIANT, buf, len + 3,
                                                          TRUE, g_free, buf));
    }

  child = node_to_variant (w, node, error);
  if (child == NULL)
    return NULL;
  child = g_variant_ref_sink (child);
  /* Numbers: the walker must see each one (it keeps their order), so the
   * small ones are made and then swapped for the shared instance. */
  if (slot == NULL && g_variant_is_of_type (child, G_VARIANT_TYPE_INT64) &&
      g_variant_get_int64 (child) >= SHARED_INT_MIN && g_variant_get_int64 (child) <= SHARED_INT_MAX)
    {
      slot = &shared->ints[g_variant_get_int64 (child) - SHARED_INT_MIN];
      if (*slot != NULL)
        {
          g_variant_unref (child);
          return g_variant_ref (*slot);
        }
    }

  boxed = g_variant_ref_sink (g_variant_new_variant (child));
  g_variant_unref (child);
  if (slot != NULL)
    *slot = g_variant_ref (boxed);
  return boxed;
}

static GVariant *
node_to_variant (Walker    *w,
                 JsonNode  *node,
                 GError   **error)
{
  switch (json_node_get_node_type (node))
    {
    case JSON_NODE_NULL:
      return g_variant_new_maybe (G_VARIANT_TYPE_VARIANT, NULL);

    case JSON_NODE_VALUE:
      {
        GType type = json_node_get_value_type (node);

        if (type == G_TYPE_BOOLEAN)
          return g_variant_new_boolean (json_node_get_boolean (node));
        if (type == G_TYPE_STRING)
          return g_variant_new_string (json_node_get_string (node));
        if (type == G_TYPE_INT64)
          return number_to_variant (w, TRUE, error);
        if (type == G_TYPE_DOUBLE)
          return number_to_variant (w, FALSE, error);

        g_set_error (error, GOSSIP_ERROR, GOSSIP_ERROR_DECODE,
                     "Unexpected JSON value of type %s", g_type_name (type));
        return NULL;
      }

    case JSON_NODE_ARRAY:
      {
        g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE ("av"));
        JsonArray *array = json_node_get_array (node);
        guint len = json_array_get_length (array);

        for (guint i = 0; i < len; i++)
          {
            g_autoptr(GVariant) child = node_to_boxed (w, json_array_get_element (array, i), error);

            if (child == NULL)
              return NULL;
            g_variant_builder_add_value (&builder, child);
          }

        return g_variant_builder_end (&builder);
      }

    case JSON_NODE_OBJECT:
      {
        g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
        JsonObject *object = json_node_get_object (node);
        g_autoptr(GList) members = NULL;
        guint expected;

        /* json-glib keeps one member per name, so a difference from the
         * scanned count means repeated names; they would also shift the
         * numbers out of step with the scan. */
        if (w->next_object >= w->object_sizes->len)
          break;
        expected = g_array_index (w->object_sizes, guint, w->next_object++);
        if (expected != json_object_get_size (object))
          {
            g_set_error_literal (error, GOSSIP_ERROR, GOSSIP_ERROR_DECODE,
                                 "JSON object has duplicate member names");
            return NULL;
          }

        /* In json-glib 1.6 only get_members() keeps the document order. */
        members = json_object_get_members (object);
        for (GList *l = members; l != NULL; l = l->next)
          {
            const char *name = l->data;
            g_autoptr(GVariant) child = node_to_boxed (w, json_object_get_member (object, name), error);

            if (child == NULL)
              return NULL;
            g_variant_builder_add_value (&builder,
                                         g_variant_new_dict_entry (g_variant_new_string (name), child));
          }

        return g_variant_builder_end (&builder);
      }

    default:
      break;
    }

  g_set_error_literal (error, GOSSIP_ERROR, GOSSIP_ERROR_DECODE,
                       "Unexpected JSON structure");
  return NULL;
}

/* The checks before json-glib sees the text: UTF-8, the strict scan (with
 * the element budget) and nothing after the value. */
static gboolean
scan_document (Scanner *scanner)
{
  if (scanner->size == 0)
    {
      g_set_error_literal (scanner->error, GOSSIP_ERROR, GOSSIP_ERROR_DECODE,
                           "Cannot decode a JSON value from empty data");
      return FALSE;
    }

  /* Also refuses NUL bytes, which would end json-glib's view of the text. */
  if (scanner->size > G_MAXSSIZE || !g_utf8_validate_len (scanner->data, scanner->size, NULL))
    {
      g_set_error_literal (scanner->error, GOSSIP_ERROR, GOSSIP_ERROR_DECODE,
                           "JSON data is not valid UTF-8");
      return FALSE;
    }

  if (!scan_value (scanner, 0))
    return FALSE;

  skip_whitespace (scanner);
  if (!at_end (scanner))
    return scan_fail (scanner, "trailing data after the value");
  return TRUE;
}

gboolean
gossip_json_codec_check_bounded (const guint8  *data,
                                 gsize          size,
                                 guint          max_elements,
                                 GError       **error)
{
  g_autoptr(GArray) numbers = g_array_new (FALSE, FALSE, sizeof (NumberSpan));
  g_autoptr(GArray) object_sizes = g_array_new (FALSE, FALSE, sizeof (guint));
  Scanner scanner = { (const char *) data, size, 0, numbers, object_sizes, error,
                      max_elements > 0 ? max_elements : G_MAXUINT64, max_elements };

  return scan_document (&scanner);
}

GVariant *
gossip_json_codec_decode_bounded (const guint8  *data,
                                  gsize          size,
                                  guint          max_elements,
                                  GError       **error)
{
  g_autoptr(GArray) numbers = g_array_new (FALSE, FALSE, sizeof (NumberSpan));
  g_autoptr(GArray) object_sizes = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) local_error = NULL;
  Scanner scanner = { (const char *) data, size, 0, numbers, object_sizes, error,
                      max_elements > 0 ? max_elements : G_MAXUINT64, max_elements };
  Shared shared = { 0 };
  Walker walker = { (const char *) data, numbers, 0, object_sizes, 0, &shared };
  JsonNode *root;
  GVariant *result;

  if (!scan_document (&scanner))
    return NULL;

  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, (const char *) data, (gssize) size, &local_error))
    {
      g_set_error (error, GOSSIP_ERROR, GOSSIP_ERROR_DECODE,
                   "Invalid JSON: %s", local_error->message);
      return NULL;
    }

  root = json_parser_get_root (parser);
  if (root == NULL)
    {
      g_set_error_literal (error, GOSSIP_ERROR, GOSSIP_ERROR_DECODE,
                           "JSON data holds no value");
      return NULL;
    }

  result = node_to_variant (&walker, root, error);
  shared_clear (&shared);
  if (result != NULL && walker.next_number != numbers->len)
    {
      g_variant_unref (g_variant_ref_sink (result));
      g_set_error_literal (error, GOSSIP_ERROR, GOSSIP_ERROR_DECODE,
                           "Inconsistent JSON numbers");
      return NULL;
    }

  return result;
}

static GVariant *
gossip_json_codec_decode (GossipCodec   *codec,
                          GBytes        *bytes,
                          GError       **error)
{
  gsize size;
  const guint8 *data = g_bytes_get_data (bytes, &size);

  return gossip_json_codec_decode_bounded (data, size, 0, error);
}

static const char *
gossip_json_codec_get_name (GossipCodec *codec)
{
  return "json";
}

static void
gossip_json_codec_iface_init (GossipCodecInterface *iface)
{
  iface->get_name = gossip_json_codec_get_name;
  iface->encode = gossip_json_codec_encode;
  iface->decode = gossip_json_codec_decode;
}

static void
gossip_json_codec_class_init (GossipJsonCodecClass *klass)
{
}

static void
gossip_json_codec_init (GossipJsonCodec *self)
{
}

/**
 * gossip_json_codec_new:
 *
 * Creates a JSON codec compatible with Go's `encoding/json`.
 *
 * Returns: (transfer full): a new [class@Gossip.JsonCodec]
 *
 * Since: 1.0
 */
GossipCodec *
gossip_json_codec_new (void)
{
  return g_object_new (GOSSIP_TYPE_JSON_CODEC, NULL);
}
