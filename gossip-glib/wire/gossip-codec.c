/* gossip-codec.c: the GossipCodec interface, which turns the GVariant value
 * model of gossip-glib into wire bytes and back. The type glue and the
 * public wrappers live here; the mapping each implementation follows is
 * documented once, below, so that every codec agrees on it.
 */
#include "config.h"

#include "gossip-codec-private.h"
#include "gossip-codec-fast-private.h"
#include "gossip-json-codec.h"
#include "gossip-msgpack-codec.h"

/**
 * GossipCodec:
 *
 * A message serializer: it encodes one [struct@GLib.Variant] into bytes
 * and decodes bytes back into one #GVariant.
 *
 * The same codec encodes the packet envelope and the payload, and there is
 * no codec negotiation on the wire, so every node of a cluster must use the
 * same codec. gossip-glib ships [class@Gossip.MsgpackCodec] (what the Go
 * examples use) and [class@Gossip.JsonCodec] (Go's `encoding/json`);
 * applications may implement their own.
 *
 * ## Encoding
 *
 * | GVariant | msgpack | JSON |
 * |---|---|---|
 * | `b` | `c2` / `c3` | `false` / `true` |
 * | `y`, `q`, `u`, `t` | smallest unsigned form (fixint, `cc`, `cd`, `ce`, `cf`) | integer literal |
 * | `n`, `i` | smallest form (negative fixint, `d0`, `d1`, `d2`; positive values as unsigned forms) | integer literal |
 * | `x` | always `d3` + 8 bytes, so that Go's metadata getters see an int64 | integer literal |
 * | `d` | `cb` float64 | shortest number that parses back to the same double, always with a `.` or an exponent; NaN and infinities are an error |
 * | `s`, `o`, `g` | str (fixstr, `d9`, `da`, `db`) | string (RFC 8259 escapes, non-ASCII kept) |
 * | `ay` | bin (`c4`, `c5`, `c6`) | array of numbers 0–255 (how Go encodes a `[16]byte` UUID) |
 * | `a{..}` (any dictionary) | map, entries in the #GVariant's order | object, members in order; keys must be strings or integers (integers are written as strings) |
 * | other arrays (`av`, `aa{sv}`, ...) | array | array |
 * | tuples | array of the members | array of the members |
 * | `v` | the boxed value | the boxed value |
 * | `m*` | Nothing is nil `c0`, Just x is x | Nothing is `null`, Just x is x |
 * | `h` | error | error |
 *
 * Dictionaries become maps whose keys follow the same rules, which is what
 * makes an `a{sv}` built in the field order of a Go struct produce the
 * same bytes as Go's shamaton/msgpack.
 *
 * ## Decoding
 *
 * Decoders accept what any Go v0.6.0 peer may send, so values come back in
 * a few general types; use tolerant accessors when reading fields.
 *
 * | Wire | GVariant |
 * |---|---|
 * | nil / `null` | `mv` Nothing |
 * | bool | `b` |
 * | any integer of any width | `x`, or `t` when above %G_MAXINT64 |
 * | float32, float64, JSON number with fraction or exponent | `d` |
 * | str / JSON string | `s`; a msgpack str that is not valid UTF-8 (or holds NUL) is `ay` |
 * | bin | `ay` |
 * | array | `av` |
 * | map / JSON object | `a{sv}`; msgpack integer keys become decimal strings |
 * | msgpack timestamp (ext −1: `d6 ff`, `d7 ff`, `c7 0c ff`) | `x`, Unix time in nanoseconds |
 *
 * A Go `[]byte` sent with the JSON codec arrives as a base64 string (`s`),
 * because that is how `encoding/json` writes it; a `[16]byte` such as a node
 * ID arrives as an `av` of 16 integers.
 *
 * Decoding is strict about framing: empty input, truncated input, trailing
 * bytes after the value, nesting deeper than 32 containers, unknown
 * msgpack extension types and malformed JSON are all
 * %GOSSIP_ERROR_DECODE errors.
 *
 * Since: 1.0
 */

G_DEFINE_INTERFACE (GossipCodec, gossip_codec, G_TYPE_OBJECT)

static void
gossip_codec_default_init (GossipCodecInterface *iface)
{
}

/**
 * gossip_codec_get_name:
 * @self: a codec
 *
 * Gets the short name of the codec, such as "msgpack" or "json".
 *
 * Returns: (transfer none): the name of the codec
 *
 * Since: 1.0
 */
const char *
gossip_codec_get_name (GossipCodec *self)
{
  GossipCodecInterface *iface;

  g_return_val_if_fail (GOSSIP_IS_CODEC (self), NULL);

  iface = GOSSIP_CODEC_GET_IFACE (self);
  g_return_val_if_fail (iface->get_name != NULL, NULL);

  return iface->get_name (self);
}

/**
 * gossip_codec_encode:
 * @self: a codec
 * @value: the value to encode; a floating reference is consumed
 * @error: return location for a #GError
 *
 * Encodes @value into its wire form. See [iface@Gossip.Codec] for how each
 * #GVariant type is written.
 *
 * Returns: (transfer full): the encoded bytes, or %NULL with @error set
 *   (%GOSSIP_ERROR_ENCODE) if @value holds something the codec cannot
 *   represent
 *
 * Since: 1.0
 */
GBytes *
gossip_codec_encode (GossipCodec  *self,
                     GVariant     *value,
                     GError      **error)
{
  GossipCodecInterface *iface;
  g_autoptr(GVariant) owned = NULL;

  g_return_val_if_fail (GOSSIP_IS_CODEC (self), NULL);
  g_return_val_if_fail (value != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  iface = GOSSIP_CODEC_GET_IFACE (self);
  g_return_val_if_fail (iface->encode != NULL, NULL);

  /* Sinking lets callers write encode (codec, g_variant_new (...), ...)
   * without leaking the temporary. */
  owned = g_variant_ref_sink (value);

  return iface->encode (self, owned, error);
}

/**
 * gossip_codec_decode:
 * @self: a codec
 * @bytes: the encoded value
 * @error: return location for a #GError
 *
 * Decodes exactly one value from @bytes. Trailing bytes after the value
 * are an error.
 *
 * Returns: (transfer full): the decoded value, or %NULL with @error set
 *   (%GOSSIP_ERROR_DECODE)
 *
 * Since: 1.0
 */
GVariant *
gossip_codec_decode (GossipCodec  *self,
                     GBytes       *bytes,
                     GError      **error)
{
  GossipCodecInterface *iface;
  GVariant *result;

  g_return_val_if_fail (GOSSIP_IS_CODEC (self), NULL);
  g_return_val_if_fail (bytes != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  iface = GOSSIP_CODEC_GET_IFACE (self);
  g_return_val_if_fail (iface->decode != NULL, NULL);

  result = iface->decode (self, bytes, error);
  if (result == NULL)
    return NULL;

  /* Implementations typically return floating values built with
   * g_variant_new_*(); the caller is promised a full reference. */
  return g_variant_take_ref (result);
}

/**
 * gossip_codec_decode_data:
 * @self: a codec
 * @data: (array length=size) (nullable): the encoded value
 * @size: the length of @data in bytes
 * @error: return location for a #GError
 *
 * Decodes exactly one value from @size bytes at @data. Trailing bytes
 * after the value are an error.
 *
 * Returns: (transfer full): the decoded value, or %NULL with @error set
 *   (%GOSSIP_ERROR_DECODE)
 *
 * Since: 1.0
 */
GVariant *
gossip_codec_decode_data (GossipCodec   *self,
                          const guint8  *data,
                          gsize          size,
                          GError       **error)
{
  g_autoptr(GBytes) bytes = NULL;

  g_return_val_if_fail (GOSSIP_IS_CODEC (self), NULL);
  g_return_val_if_fail (data != NULL || size == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  /* A wrapper, not a copy: the vfunc only reads the data during the call
   * (see #GossipCodecInterface). */
  bytes = g_bytes_new_static (data, size);

  return gossip_codec_decode (self, bytes, error);
}

GVariant *
gossip_codec_decode_bounded (GossipCodec   *self,
                             const guint8  *data,
                             gsize          size,
                             guint          max_elements,
                             GError       **error)
{
  GVariant *result;

  g_return_val_if_fail (GOSSIP_IS_CODEC (self), NULL);
  g_return_val_if_fail (data != NULL || size == 0, NULL);

  if (GOSSIP_IS_MSGPACK_CODEC (self))
    result = gossip_msgpack_codec_decode_bounded (data, size, max_elements, error);
  else if (GOSSIP_IS_JSON_CODEC (self))
    result = gossip_json_codec_decode_bounded (data, size, max_elements, error);
  else
    return gossip_codec_decode_data (self, data, size, error);

  return result != NULL ? g_variant_take_ref (result) : NULL;
}

gboolean
gossip_codec_check_bounded (GossipCodec   *self,
                            const guint8  *data,
                            gsize          size,
                            guint          max_elements,
                            GError       **error)
{
  if (GOSSIP_IS_MSGPACK_CODEC (self))
    return gossip_msgpack_codec_check_bounded (data, size, max_elements, error);
  if (GOSSIP_IS_JSON_CODEC (self))
    return gossip_json_codec_check_bounded (data, size, max_elements, error);
  return TRUE;
}

static GQuark
fast_path_quark (void)
{
  static GQuark q;

  if (G_UNLIKELY (q == 0))
    q = g_quark_from_static_string ("gossip-codec-fast-path");
  return q;
}

void
gossip_codec_type_set_fast_path (GType                      codec_type,
                                 const GossipCodecFastPath *table)
{
  g_type_set_qdata (codec_type, fast_path_quark (), (gpointer) table);
}

/* Type qdata, not a vfunc: #GossipCodecInterface is public and frozen, and
 * only exact built-in types qualify (a subclass may encode differently). */
const GossipCodecFastPath *
gossip_codec_get_fast_path (GossipCodec *codec)
{
  if (codec == NULL)
    return NULL;
  return g_type_get_qdata (G_OBJECT_TYPE (codec), fast_path_quark ());
}
