/* gossip-stream-input.c: the reading half of a framed GossipStream.
 *
 * Reads the frames of PROTOCOL.md §8 from the connection: the 4-byte
 * header, then L bytes of data, with L checked against
 * stream-max-packet-size before anything is allocated and the data taken
 * into memory as it arrives (a chunk at first, then doubling), never L
 * bytes up front on the word of the peer. Each frame is decrypted and
 * decompressed whole; what the caller's read does not take is kept for the
 * next read. Frame boundaries mean nothing to the caller.
 *
 * The frame being read lives in the object, not in the read call, so a
 * cancelled read loses nothing: the next read carries on where it stopped.
 */
#include "config.h"

#include <string.h>

#include "gossip-stream-private.h"
#include "gossip-error.h"

#include <glib/gi18n-lib.h>

struct _GossipStreamInput
{
  GInputStream        parent_instance;
  GInputStream       *base;
  GossipStreamParams *params;

  /* plaintext of the last frame not yet handed out */
  GBytes             *pending;
  gsize               pending_offset;

  /* the frame being read */
  guint8              header[GOSSIP_STREAM_HEADER_SIZE];
  gsize               header_have;
  gboolean            in_body;
  gboolean            compressed;
  gsize               body_len;
  gsize               body_have;
  GByteArray         *body;

  /* a framing error broke the stream for good */
  GError             *failure;
};

G_DEFINE_FINAL_TYPE (GossipStreamInput, gossip_stream_input, G_TYPE_INPUT_STREAM)

typedef enum {
  STEP_MORE,      /* read again */
  STEP_FRAME,     /* a frame was decoded into pending (maybe empty) */
  STEP_DECODE,    /* a frame's data is complete: decode_frame() is next */
  STEP_EOF,       /* the peer closed between frames */
  STEP_ERROR,
} Step;

/* Where the next bytes from the connection go. */
static void
next_buffer (GossipStreamInput  *self,
             guint8            **buffer,
             gsize              *size)
{
  gsize target;

  if (!self->in_body)
    {
      *buffer = self->header + self->header_have;
      *size = GOSSIP_STREAM_HEADER_SIZE - self->header_have;
      return;
    }
  /* Room grows with what arrived (at most four times it): a peer that
   * claims 8 MiB and sends a byte costs 64 KiB. */
  target = MIN (self->body_len, MAX ((gsize) GOSSIP_STREAM_READ_CHUNK, self->body_have * 4));
  if (self->body->len < target)
    g_byte_array_set_size (self->body, target);
  *buffer = self->body->data + self->body_have;
  *size = self->body->len - self->body_have;
}

static gboolean
fail (GossipStreamInput  *self,
      GError             *error,
      GError            **out)
{
  g_clear_error (&self->failure);
  self->failure = g_error_copy (error);
  g_propagate_error (out, error);
  return FALSE;
}

static gboolean
decode_frame (GossipStreamInput  *self,
              GError            **error)
{
  GossipStreamParams *p = self->params;
  g_autoptr(GBytes) data = NULL;
  GError *local_error = NULL;

  g_byte_array_set_size (self->body, self->body_len);
  data = g_byte_array_free_to_bytes (g_steal_pointer (&self->body));
  self->in_body = FALSE;
  self->header_have = 0;

  if (p->cipher != NULL)
    {
      GBytes *plain = gossip_cipher_decrypt (p->cipher, p->key, data, &local_error);

      for (guint i = 0; plain == NULL && p->other_keys != NULL && i < p->other_keys->len; i++)
        {
          g_clear_error (&local_error);
          plain = gossip_cipher_decrypt (p->cipher, p->other_keys->pdata[i], data, &local_error);
        }
      if (plain == NULL)
        {
          g_debug ("Stream frame of %" G_GSIZE_FORMAT " bytes failed to decrypt: %s",
                   self->body_len, local_error->message);
          g_clear_error (&local_error);
          return fail (self, g_error_new (GOSSIP_ERROR, GOSSIP_ERROR_CRYPTO,
                                          _("A stream frame failed to decrypt")), error);
        }
      g_bytes_unref (data);
      data = plain;
    }
  if (self->compressed)
    {
      GBytes *out;

      if (p->compressor == NULL)
        return fail (self, g_error_new (GOSSIP_ERROR, GOSSIP_ERROR_DECODE,
                                        _("A compressed stream frame arrived but no compressor is configured")),
                     error);
      out = gossip_compressor_decompress (p->compressor, data, p->max_frame_size, &local_error);
      if (out == NULL)
        return fail (self, local_error, error);
      g_bytes_unref (data);
      data = out;
    }
  g_clear_pointer (&self->pending, g_bytes_unref);
  self->pending = g_steal_pointer (&data);
  self->pending_offset = 0;
  return TRUE;
}

/* Takes the result of one read of the connection into next_buffer(). */
static Step
got_bytes (GossipStreamInput  *self,
           gsize               n,
           GError            **error)
{
  if (n == 0)
    {
      if (!self->in_body && self->header_have == 0)
        return STEP_EOF;
      fail (self, g_error_new (G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED,
                               _("The peer closed the stream in the middle of a frame")), error);
      return STEP_ERROR;
    }

  if (self->in_body)
    {
      self->body_have += n;
      if (self->body_have < self->body_len)
        return STEP_MORE;
      return STEP_DECODE;
    }

  self->header_have += n;
  if (self->header_have < GOSSIP_STREAM_HEADER_SIZE)
    return STEP_MORE;
  {
    guint32 h;
    gsize len;

    memcpy (&h, self->header, sizeof h);
    h = GUINT32_FROM_BE (h);
    len = h & GOSSIP_STREAM_LENGTH_MASK;

    if (len > self->params->max_frame_size)
      {
        fail (self, g_error_new (GOSSIP_ERROR, GOSSIP_ERROR_TOO_LARGE,
                                 _("A stream frame of %" G_GSIZE_FORMAT " bytes exceeds the limit of %" G_GSIZE_FORMAT),
                                 len, self->params->max_frame_size),
              error);
        return STEP_ERROR;
      }
    self->compressed = (h & GOSSIP_STREAM_FLAG_COMPRESSED) != 0;
    self->body_len = len;
    self->body_have = 0;
    self->body = g_byte_array_new ();
    self->in_body = TRUE;
    if (len == 0)
      return decode_frame (self, error) ? STEP_FRAME : STEP_ERROR;
  }
  return STEP_MORE;
}

static gsize
take_pending (GossipStreamInput *self,
              void              *buffer,
              gsize              count)
{
  gsize size;
  const guint8 *data = g_bytes_get_data (self->pending, &size);
  gsize n = MIN (count, size - self->pending_offset);

  memcpy (buffer, data + self->pending_offset, n);
  self->pending_offset += n;
  if (self->pending_offset == size)
    g_clear_pointer (&self->pending, g_bytes_unref);
  return n;
}

static gboolean
has_pending (GossipStreamInput *self)
{
  return self->pending != NULL && self->pending_offset < g_bytes_get_size (self->pending);
}

static gssize
gossip_stream_input_read (GInputStream  *stream,
                          void          *buffer,
                          gsize          count,
                          GCancellable  *cancellable,
                          GError       **error)
{
  GossipStreamInput *self = GOSSIP_STREAM_INPUT (stream);

  if (self->failure != NULL)
    {
      g_propagate_error (error, g_error_copy (self->failure));
      return -1;
    }
  if (count == 0)
    return 0;
  while (!has_pending (self))
    {
      guint8 *buf;
      gsize size;
      gssize n;

      next_buffer (self, &buf, &size);
      n = g_input_stream_read (self->base, buf, size, cancellable, error);
      if (n < 0)
        return -1;
      switch (got_bytes (self, n, error))
        {
        case STEP_EOF:
          return 0;
        case STEP_ERROR:
          return -1;
        case STEP_DECODE:
          if (!decode_frame (self, error))
            return -1;
          break;
        case STEP_MORE:
        case STEP_FRAME:
          break;
        }
    }
  return take_pending (self, buffer, count);
}

typedef struct {
  void  *buffer;
  gsize  count;
} ReadOp;

static void read_next (GTask *task);

/* After a frame: hand out what it carried, or read on (an empty frame). */
static void
read_continue (GTask *task)
{
  GossipStreamInput *self = g_task_get_source_object (task);
  ReadOp *op = g_task_get_task_data (task);

  if (has_pending (self))
    {
      g_task_return_int (task, take_pending (self, op->buffer, op->count));
      g_object_unref (task);
    }
  else
    read_next (task);
}

static void
decode_thread (GTask        *inner,
               gpointer      source,
               gpointer      task_data,
               GCancellable *cancellable)
{
  GError *error = NULL;

  /* The stream's own pending flag keeps every other call out meanwhile. */
  if (decode_frame (GOSSIP_STREAM_INPUT (source), &error))
    g_task_return_boolean (inner, TRUE);
  else
    g_task_return_error (inner, error);
}

static void
decoded_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  GTask *task = user_data;
  GError *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  read_continue (task);
}

/* Decrypting and decompressing a big frame takes milliseconds: a worker
 * thread does it, so the main context keeps serving pings meanwhile (and
 * both ends of a stream in one process decode in parallel). */
static void
decode_async (GTask *task)
{
  GossipStreamInput *self = g_task_get_source_object (task);
  GTask *inner;

  if (self->body_len < GOSSIP_STREAM_THREAD_MIN || (self->params->cipher == NULL && !self->compressed))
    {
      GError *error = NULL;

      if (!decode_frame (self, &error))
        {
          g_task_return_error (task, error);
          g_object_unref (task);
          return;
        }
      read_continue (task);
      return;
    }
  inner = g_task_new (self, NULL, decoded_cb, task);
  g_task_set_source_tag (inner, decode_async);
  g_task_run_in_thread (inner, decode_thread);
  g_object_unref (inner);
}

static void
read_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GossipStreamInput *self = g_task_get_source_object (task);
  GError *error = NULL;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, &error);

  if (n < 0)
    {
      g_task_return_error (task, error);
      return;
    }
  switch (got_bytes (self, n, &error))
    {
    case STEP_EOF:
      g_task_return_int (task, 0);
      return;
    case STEP_ERROR:
      g_task_return_error (task, error);
      return;
    case STEP_DECODE:
      decode_async (g_steal_pointer (&task));
      return;
    case STEP_MORE:
    case STEP_FRAME:
      break;
    }
  read_continue (g_steal_pointer (&task));
}

static void
read_next (GTask *task)
{
  GossipStreamInput *self = g_task_get_source_object (task);
  guint8 *buf;
  gsize size;

  next_buffer (self, &buf, &size);
  g_input_stream_read_async (self->base, buf, size, g_task_get_priority (task),
                             g_task_get_cancellable (task), read_cb, task);
}

static void
gossip_stream_input_read_async (GInputStream        *stream,
                                void                *buffer,
                                gsize                count,
                                int                  io_priority,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  GossipStreamInput *self = GOSSIP_STREAM_INPUT (stream);
  g_autoptr(GTask) task = g_task_new (stream, cancellable, callback, user_data);
  ReadOp *op;

  g_task_set_source_tag (task, gossip_stream_input_read_async);
  g_task_set_priority (task, io_priority);
  if (self->failure != NULL)
    {
      g_task_return_error (task, g_error_copy (self->failure));
      return;
    }
  if (count == 0)
    {
      g_task_return_int (task, 0);
      return;
    }
  if (has_pending (self))
    {
      g_task_return_int (task, take_pending (self, buffer, count));
      return;
    }
  op = g_new (ReadOp, 1);
  op->buffer = buffer;
  op->count = count;
  g_task_set_task_data (task, op, g_free);
  read_next (g_steal_pointer (&task));
}

static gssize
gossip_stream_input_read_finish (GInputStream  *stream,
                                 GAsyncResult  *result,
                                 GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, stream), -1);
  return g_task_propagate_int (G_TASK (result), error);
}

/* Closing the half does not close the connection: the GossipStream does. */
static gboolean
gossip_stream_input_close (GInputStream  *stream,
                           GCancellable  *cancellable,
                           GError       **error)
{
  return TRUE;
}

static void
gossip_stream_input_close_async (GInputStream        *stream,
                                 int                  io_priority,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (stream, cancellable, callback, user_data);

  g_task_set_source_tag (task, gossip_stream_input_close_async);
  g_task_return_boolean (task, TRUE);
}

static gboolean
gossip_stream_input_close_finish (GInputStream  *stream,
                                  GAsyncResult  *result,
                                  GError       **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
gossip_stream_input_finalize (GObject *object)
{
  GossipStreamInput *self = GOSSIP_STREAM_INPUT (object);

  g_clear_object (&self->base);
  g_clear_pointer (&self->params, gossip_stream_params_unref);
  g_clear_pointer (&self->pending, g_bytes_unref);
  g_clear_pointer (&self->body, g_byte_array_unref);
  g_clear_error (&self->failure);
  G_OBJECT_CLASS (gossip_stream_input_parent_class)->finalize (object);
}

static void
gossip_stream_input_class_init (GossipStreamInputClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GInputStreamClass *stream_class = G_INPUT_STREAM_CLASS (klass);

  object_class->finalize = gossip_stream_input_finalize;
  stream_class->read_fn = gossip_stream_input_read;
  stream_class->read_async = gossip_stream_input_read_async;
  stream_class->read_finish = gossip_stream_input_read_finish;
  stream_class->close_fn = gossip_stream_input_close;
  stream_class->close_async = gossip_stream_input_close_async;
  stream_class->close_finish = gossip_stream_input_close_finish;
}

static void
gossip_stream_input_init (GossipStreamInput *self)
{
}

GInputStream *
gossip_stream_input_new (GInputStream       *base,
                         GossipStreamParams *params)
{
  GossipStreamInput *self = g_object_new (GOSSIP_TYPE_STREAM_INPUT, NULL);

  self->base = g_object_ref (base);
  self->params = gossip_stream_params_ref (params);
  return G_INPUT_STREAM (self);
}
