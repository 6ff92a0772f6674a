/* gossip-stream.c: GossipStream, a GIOStream between two nodes.
 *
 * The cluster makes one on each side of an opened stream (PROTOCOL.md §8):
 * when that side has a compressor or a cipher, its input and output streams
 * frame what passes (gossip-stream-input.c, gossip-stream-output.c);
 * otherwise they are the connection's own. Closing the GossipStream closes
 * the connection, which the peer sees as the end of its input. The typed
 * stream messages of Go's WriteStreamMsg/ReadStreamMsg are helpers on top.
 */
#include "config.h"

#include <string.h>

#include "gossip-stream-private.h"
#include "gossip-error.h"

#include <glib/gi18n-lib.h>

/**
 * GossipStream:
 *
 * A stream of bytes between two nodes, opened with
 * [method@Gossip.Cluster.open_stream_async] and received by a handler
 * registered with [method@Gossip.Cluster.handle_stream].
 *
 * It is a [class@Gio.IOStream]: read and write it with the usual GIO calls
 * (`g_input_stream_read_bytes_async()`, `g_output_stream_write_all_async()`,
 * splice, ...), from the thread that runs the cluster's main context or
 * from another thread. When the node has a compressor or a cipher
 * configured, each write becomes one frame of the wire protocol,
 * compressed and encrypted like packets are; the frame boundaries carry no
 * meaning and a read returns whatever has arrived. Go gossip v0.6.0 nodes
 * read and write the same frames.
 *
 * Unlike Go's, reads and writes have no deadline of their own: use a
 * #GCancellable. Closing the stream (or dropping its last reference)
 * closes the connection; the peer's reads then return end of file.
 *
 * Since: 1.0
 */
struct _GossipStream
{
  GIOStream           parent_instance;
  GIOStream          *base;
  GossipStreamParams *params;
  GInputStream       *input;
  GOutputStream      *output;
};

enum {
  PROP_0,
  PROP_BASE_STREAM,
  PROP_FRAMED,
  PROP_COMPRESSION_ENABLED,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

G_DEFINE_FINAL_TYPE (GossipStream, gossip_stream, G_TYPE_IO_STREAM)

/* ------------------------------------------------------------------ */
/* Parameters                                                          */

GossipStreamParams *
gossip_stream_params_new (GossipCodec      *codec,
                          GossipCompressor *compressor,
                          GossipCipher     *cipher,
                          GBytes           *key,
                          GPtrArray        *other_keys,
                          gsize             compress_min_size,
                          gsize             max_frame_size,
                          gsize             max_message_size)
{
  GossipStreamParams *p = g_new0 (GossipStreamParams, 1);

  g_return_val_if_fail (cipher == NULL || key != NULL, NULL);

  g_atomic_ref_count_init (&p->ref_count);
  p->codec = codec ? g_object_ref (codec) : NULL;
  p->compressor = compressor ? g_object_ref (compressor) : NULL;
  p->cipher = cipher ? g_object_ref (cipher) : NULL;
  p->key = cipher && key ? g_bytes_ref (key) : NULL;
  p->other_keys = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  for (guint i = 0; cipher != NULL && other_keys != NULL && i < other_keys->len; i++)
    g_ptr_array_add (p->other_keys, g_bytes_ref (other_keys->pdata[i]));
  p->compress_min_size = compress_min_size;
  p->max_frame_size = MIN (max_frame_size, (gsize) GOSSIP_STREAM_LENGTH_MASK);
  p->max_message_size = max_message_size;
  p->compress = TRUE;
  return p;
}

GossipStreamParams *
gossip_stream_params_ref (GossipStreamParams *p)
{
  g_atomic_ref_count_inc (&p->ref_count);
  return p;
}

void
gossip_stream_params_unref (GossipStreamParams *p)
{
  if (!g_atomic_ref_count_dec (&p->ref_count))
    return;
  g_clear_object (&p->codec);
  g_clear_object (&p->compressor);
  g_clear_object (&p->cipher);
  g_clear_pointer (&p->key, g_bytes_unref);
  g_clear_pointer (&p->other_keys, g_ptr_array_unref);
  g_free (p);
}

/* A frame's data is the plaintext plus the cipher's nonce and tag; a
 * compressed frame is smaller than its plaintext by construction. */
gsize
gossip_stream_params_max_plain (GossipStreamParams *p)
{
  gsize overhead = p->cipher ? gossip_cipher_get_overhead (p->cipher) : 0;

  return p->max_frame_size > overhead ? p->max_frame_size - overhead : 1;
}

/* ------------------------------------------------------------------ */
/* The stream                                                          */

GossipStream *
gossip_stream_new (GIOStream          *base,
                   GossipStreamParams *params)
{
  GossipStream *self;

  g_return_val_if_fail (G_IS_IO_STREAM (base), NULL);
  g_return_val_if_fail (params != NULL, NULL);

  self = g_object_new (GOSSIP_TYPE_STREAM, "base-stream", base, NULL);
  g_clear_pointer (&self->params, gossip_stream_params_unref);
  self->params = gossip_stream_params_ref (params);
  /* §8 step 4: each side wraps only if it has a compressor or a cipher. */
  if (params->compressor != NULL || params->cipher != NULL)
    {
      g_clear_object (&self->input);
      g_clear_object (&self->output);
      self->input = gossip_stream_input_new (g_io_stream_get_input_stream (base), params);
      self->output = gossip_stream_output_new (g_io_stream_get_output_stream (base), params);
    }
  return self;
}

static GInputStream *
gossip_stream_get_input_stream (GIOStream *stream)
{
  return GOSSIP_STREAM (stream)->input;
}

static GOutputStream *
gossip_stream_get_output_stream (GIOStream *stream)
{
  return GOSSIP_STREAM (stream)->output;
}

static gboolean
gossip_stream_close_fn (GIOStream     *stream,
                        GCancellable  *cancellable,
                        GError       **error)
{
  return g_io_stream_close (GOSSIP_STREAM (stream)->base, cancellable, error);
}

static void
close_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (g_io_stream_close_finish (G_IO_STREAM (source), result, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

/* The default would close in a thread; the connection closes without one. */
static void
gossip_stream_close_async (GIOStream           *stream,
                           int                  io_priority,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  GTask *task = g_task_new (stream, cancellable, callback, user_data);

  g_task_set_source_tag (task, gossip_stream_close_async);
  g_io_stream_close_async (GOSSIP_STREAM (stream)->base, io_priority, cancellable, close_cb, task);
}

static gboolean
gossip_stream_close_finish (GIOStream     *stream,
                            GAsyncResult  *result,
                            GError       **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
gossip_stream_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  GossipStream *self = GOSSIP_STREAM (object);

  switch (prop_id)
    {
    case PROP_BASE_STREAM:
      self->base = g_value_dup_object (value);
      break;
    case PROP_COMPRESSION_ENABLED:
      gossip_stream_set_compression_enabled (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gossip_stream_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  GossipStream *self = GOSSIP_STREAM (object);

  switch (prop_id)
    {
    case PROP_BASE_STREAM:
      g_value_set_object (value, self->base);
      break;
    case PROP_FRAMED:
      g_value_set_boolean (value, gossip_stream_is_framed (self));
      break;
    case PROP_COMPRESSION_ENABLED:
      g_value_set_boolean (value, gossip_stream_get_compression_enabled (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gossip_stream_constructed (GObject *object)
{
  GossipStream *self = GOSSIP_STREAM (object);

  G_OBJECT_CLASS (gossip_stream_parent_class)->constructed (object);

  /* Made without a connection (g_object_new from a binding): an empty,
   * unframed stream that reads end of file, rather than a crash. */
  if (self->base == NULL)
    {
      g_autoptr(GInputStream) in = g_memory_input_stream_new ();
      g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
      self->base = g_simple_io_stream_new (in, out);
    }
  self->params = gossip_stream_params_new (NULL, NULL, NULL, NULL, NULL, 0, 8388608, 4194304);
  self->input = g_object_ref (g_io_stream_get_input_stream (self->base));
  self->output = g_object_ref (g_io_stream_get_output_stream (self->base));
}

static void
gossip_stream_finalize (GObject *object)
{
  GossipStream *self = GOSSIP_STREAM (object);

  g_clear_object (&self->input);
  g_clear_object (&self->output);
  g_clear_object (&self->base);
  g_clear_pointer (&self->params, gossip_stream_params_unref);
  G_OBJECT_CLASS (gossip_stream_parent_class)->finalize (object);
}

static void
gossip_stream_class_init (GossipStreamClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GIOStreamClass *stream_class = G_IO_STREAM_CLASS (klass);

  object_class->constructed = gossip_stream_constructed;
  object_class->finalize = gossip_stream_finalize;
  object_class->set_property = gossip_stream_set_property;
  object_class->get_property = gossip_stream_get_property;
  stream_class->get_input_stream = gossip_stream_get_input_stream;
  stream_class->get_output_stream = gossip_stream_get_output_stream;
  stream_class->close_fn = gossip_stream_close_fn;
  stream_class->close_async = gossip_stream_close_async;
  stream_class->close_finish = gossip_stream_close_finish;

  /**
   * GossipStream:base-stream:
   *
   * The connection the stream runs over.
   *
   * Since: 1.0
   */
  props[PROP_BASE_STREAM] =
    g_param_spec_object ("base-stream", NULL, NULL, G_TYPE_IO_STREAM,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  /**
   * GossipStream:framed:
   *
   * Whether this side frames the bytes (it has a compressor or a cipher)
   * or passes them through as they are.
   *
   * Since: 1.0
   */
  props[PROP_FRAMED] =
    g_param_spec_boolean ("framed", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /**
   * GossipStream:compression-enabled:
   *
   * Whether writes are compressed (when the node has a compressor and a
   * write reaches the compress-min-size). Only the writing side decides:
   * a reader decompresses what is flagged. Go's
   * EnableStreamCompression/DisableStreamCompression.
   *
   * Since: 1.0
   */
  props[PROP_COMPRESSION_ENABLED] =
    g_param_spec_boolean ("compression-enabled", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, props);
}

static void
gossip_stream_init (GossipStream *self)
{
}

/**
 * gossip_stream_get_base_stream:
 * @self: a stream
 *
 * Gets the connection the stream runs over.
 *
 * Returns: (transfer none): the connection under the stream
 *
 * Since: 1.0
 */
GIOStream *
gossip_stream_get_base_stream (GossipStream *self)
{
  g_return_val_if_fail (GOSSIP_IS_STREAM (self), NULL);
  return self->base;
}

/**
 * gossip_stream_is_framed:
 * @self: a stream
 *
 * Tells whether the stream's bytes travel in frames (each compressed and
 * encrypted as the cluster's packets are) rather than raw.
 *
 * Returns: whether the bytes are framed (compressed, encrypted) on the way
 *
 * Since: 1.0
 */
gboolean
gossip_stream_is_framed (GossipStream *self)
{
  g_return_val_if_fail (GOSSIP_IS_STREAM (self), FALSE);
  return GOSSIP_IS_STREAM_INPUT (self->input);
}

/**
 * gossip_stream_get_compression_enabled:
 * @self: a stream
 *
 * Tells whether frames written to the stream may be compressed with the
 * cluster's compressor.
 *
 * Returns: whether writes may be compressed
 *
 * Since: 1.0
 */
gboolean
gossip_stream_get_compression_enabled (GossipStream *self)
{
  g_return_val_if_fail (GOSSIP_IS_STREAM (self), FALSE);
  return g_atomic_int_get (&self->params->compress);
}

/**
 * gossip_stream_set_compression_enabled:
 * @self: a stream
 * @enabled: whether to compress writes
 *
 * Turns compression of this side's writes on or off (on by default). A
 * no-op without a compressor, as Go's DisableStreamCompression on an
 * unwrapped connection.
 *
 * Since: 1.0
 */
void
gossip_stream_set_compression_enabled (GossipStream *self,
                                       gboolean      enabled)
{
  g_return_if_fail (GOSSIP_IS_STREAM (self));

  enabled = !!enabled;
  if (g_atomic_int_get (&self->params->compress) == enabled)
    return;
  g_atomic_int_set (&self->params->compress, enabled);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_COMPRESSION_ENABLED]);
}

/* ------------------------------------------------------------------ */
/* Typed messages: [u16 BE type][u32 BE length][codec bytes]           */

static void
message_written_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

/**
 * gossip_stream_write_message_async:
 * @self: a stream
 * @message_type: the message type (64 or more)
 * @value: (nullable): the payload, encoded with the cluster's codec; %NULL
 *   sends nil
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the message is written
 * @user_data: data for @callback
 *
 * Writes one typed message, `[u16 BE type][u32 BE length][payload]`, as
 * one write (one frame on a framed stream): Go's WriteStreamMsg. The
 * payload may be up to tcp-max-packet-size minus 6 bytes.
 *
 * Since: 1.0
 */
void
gossip_stream_write_message_async (GossipStream        *self,
                                   guint16              message_type,
                                   GVariant            *value,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GVariant) owned = NULL;
  g_autoptr(GBytes) payload = NULL;
  GError *error = NULL;
  guint8 *buf;
  gsize size;
  guint16 t;
  guint32 l;

  g_return_if_fail (GOSSIP_IS_STREAM (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, gossip_stream_write_message_async);
  if (message_type < 64)
    {
      g_task_return_new_error (task, GOSSIP_ERROR, GOSSIP_ERROR_INVALID_ARGUMENT,
                               _("Message type %u is reserved: application types start at %u"),
                               message_type, 64);
      return;
    }
  if (self->params->codec == NULL)
    {
      g_task_return_new_error (task, GOSSIP_ERROR, GOSSIP_ERROR_FAILED,
                               _("This stream has no codec for typed messages"));
      return;
    }
  owned = g_variant_ref_sink (value ? value : g_variant_new_maybe (G_VARIANT_TYPE_VARIANT, NULL));
  payload = gossip_codec_encode (self->params->codec, owned, &error);
  if (payload == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  size = g_bytes_get_size (payload);
  if (size + GOSSIP_STREAM_MESSAGE_HEADER > self->params->max_message_size)
    {
      g_task_return_new_error (task, GOSSIP_ERROR, GOSSIP_ERROR_TOO_LARGE,
                               _("A stream message of %" G_GSIZE_FORMAT " bytes exceeds the limit of %" G_GSIZE_FORMAT),
                               size, self->params->max_message_size - GOSSIP_STREAM_MESSAGE_HEADER);
      return;
    }
  buf = g_malloc (GOSSIP_STREAM_MESSAGE_HEADER + size);
  t = GUINT16_TO_BE (message_type);
  l = GUINT32_TO_BE ((guint32) size);
  memcpy (buf, &t, 2);
  memcpy (buf + 2, &l, 4);
  memcpy (buf + GOSSIP_STREAM_MESSAGE_HEADER, g_bytes_get_data (payload, NULL), size);
  g_task_set_task_data (task, buf, g_free);
  g_output_stream_write_all_async (self->output, buf, GOSSIP_STREAM_MESSAGE_HEADER + size,
                                   G_PRIORITY_DEFAULT, cancellable, message_written_cb,
                                   g_steal_pointer (&task));
}

/**
 * gossip_stream_write_message_finish:
 * @self: a stream
 * @result: the result passed to the callback
 * @error: return location for a #GError
 *
 * Finishes writing a message started with
 * [method@Gossip.Stream.write_message_async].
 *
 * Returns: %TRUE once the message is written
 *
 * Since: 1.0
 */
gboolean
gossip_stream_write_message_finish (GossipStream  *self,
                                    GAsyncResult  *result,
                                    GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

typedef struct {
  guint8      header[GOSSIP_STREAM_MESSAGE_HEADER];
  guint16     expected;
  guint16     type;
  gsize       length;
  GByteArray *body;
  gsize       have;
} ReadMessage;

typedef struct {
  GVariant *value;
  guint16   type;
} MessageResult;

static void
read_message_free (ReadMessage *rm)
{
  g_clear_pointer (&rm->body, g_byte_array_unref);
  g_free (rm);
}

static void
message_result_free (MessageResult *mr)
{
  g_clear_pointer (&mr->value, g_variant_unref);
  g_free (mr);
}

static void message_body_cb (GObject *source, GAsyncResult *result, gpointer user_data);

static void
message_finish_or_read (GTask *task)
{
  GossipStream *self = g_task_get_source_object (task);
  ReadMessage *rm = g_task_get_task_data (task);
  GError *error = NULL;
  MessageResult *mr;
  GVariant *value;

  if (rm->have < rm->length)
    {
      /* Memory grows with what arrived, as for frames. */
      gsize target = MIN (rm->length, MAX ((gsize) GOSSIP_STREAM_READ_CHUNK, rm->have * 2));

      g_byte_array_set_size (rm->body, target);
      g_input_stream_read_all_async (self->input, rm->body->data + rm->have, target - rm->have,
                                     G_PRIORITY_DEFAULT, g_task_get_cancellable (task),
                                     message_body_cb, task);
      return;
    }
  value = gossip_codec_decode_data (self->params->codec, rm->body->data, rm->length, &error);
  if (value == NULL)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  if (rm->expected != 0 && rm->type != rm->expected)
    {
      g_variant_unref (value);
      g_task_return_new_error (task, GOSSIP_ERROR, GOSSIP_ERROR_PROTOCOL,
                               _("Expected a stream message of type %u, got type %u"),
                               rm->expected, rm->type);
      g_object_unref (task);
      return;
    }
  mr = g_new0 (MessageResult, 1);
  mr->value = value;
  mr->type = rm->type;
  g_task_return_pointer (task, mr, (GDestroyNotify) message_result_free);
  g_object_unref (task);
}

static gboolean
read_all_complete (GObject       *source,
                   GAsyncResult  *result,
                   gsize          wanted,
                   GTask         *task)
{
  GError *error = NULL;
  gsize n = 0;

  if (!g_input_stream_read_all_finish (G_INPUT_STREAM (source), result, &n, &error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return FALSE;
    }
  if (n < wanted)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED,
                               _("The stream ended in the middle of a message"));
      g_object_unref (task);
      return FALSE;
    }
  return TRUE;
}

static void
message_body_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GTask *task = user_data;
  ReadMessage *rm = g_task_get_task_data (task);
  gsize wanted = rm->body->len - rm->have;

  if (!read_all_complete (source, result, wanted, task))
    return;
  rm->have += wanted;
  message_finish_or_read (task);
}

static void
message_header_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  GTask *task = user_data;
  GossipStream *self = g_task_get_source_object (task);
  ReadMessage *rm = g_task_get_task_data (task);
  guint16 t;
  guint32 l;

  if (!read_all_complete (source, result, GOSSIP_STREAM_MESSAGE_HEADER, task))
    return;
  memcpy (&t, rm->header, 2);
  memcpy (&l, rm->header + 2, 4);
  rm->type = GUINT16_FROM_BE (t);
  rm->length = GUINT32_FROM_BE (l);
  if (rm->length > self->params->max_message_size)
    {
      g_task_return_new_error (task, GOSSIP_ERROR, GOSSIP_ERROR_TOO_LARGE,
                               _("A stream message of %" G_GSIZE_FORMAT " bytes exceeds the limit of %" G_GSIZE_FORMAT),
                               rm->length, self->params->max_message_size);
      g_object_unref (task);
      return;
    }
  rm->body = g_byte_array_new ();
  message_finish_or_read (task);
}

/**
 * gossip_stream_read_message_async:
 * @self: a stream
 * @expected_type: the message type to expect, or 0 for any
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when a message is read
 * @user_data: data for @callback
 *
 * Reads one typed message written by
 * [method@Gossip.Stream.write_message_async] (or Go's WriteStreamMsg):
 * Go's ReadStreamMsg. The payload may be up to tcp-max-packet-size bytes;
 * a longer claim fails before anything is allocated. A message of another
 * type than @expected_type is consumed and reported as an error.
 *
 * Since: 1.0
 */
void
gossip_stream_read_message_async (GossipStream        *self,
                                  guint16              expected_type,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  GTask *task;
  ReadMessage *rm;

  g_return_if_fail (GOSSIP_IS_STREAM (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, gossip_stream_read_message_async);
  if (self->params->codec == NULL)
    {
      g_task_return_new_error (task, GOSSIP_ERROR, GOSSIP_ERROR_FAILED,
                               _("This stream has no codec for typed messages"));
      g_object_unref (task);
      return;
    }
  rm = g_new0 (ReadMessage, 1);
  rm->expected = expected_type;
  g_task_set_task_data (task, rm, (GDestroyNotify) read_message_free);
  g_input_stream_read_all_async (self->input, rm->header, GOSSIP_STREAM_MESSAGE_HEADER,
                                 G_PRIORITY_DEFAULT, cancellable, message_header_cb, task);
}

/**
 * gossip_stream_read_message_finish:
 * @self: a stream
 * @result: the result passed to the callback
 * @message_type: (out) (optional): the type of the message read
 * @error: return location for a #GError
 *
 * Finishes reading a message started with
 * [method@Gossip.Stream.read_message_async] and returns its decoded payload.
 *
 * Returns: (transfer full): the decoded payload, or %NULL with @error set
 *
 * Since: 1.0
 */
GVariant *
gossip_stream_read_message_finish (GossipStream  *self,
                                   GAsyncResult  *result,
                                   guint16       *message_type,
                                   GError       **error)
{
  MessageResult *mr;
  GVariant *value;

  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  mr = g_task_propagate_pointer (G_TASK (result), error);
  if (mr == NULL)
    return NULL;
  if (message_type != NULL)
    *message_type = mr->type;
  value = g_steal_pointer (&mr->value);
  message_result_free (mr);
  return value;
}
