/* gossip-stream-output.c: the writing half of a framed GossipStream.
 *
 * Each write becomes one frame of PROTOCOL.md §8: a 4-byte big-endian
 * header (bit 31 = compressed, bits 0-30 = length L) and L bytes of data,
 * the written bytes compressed (when enabled, above the threshold, and
 * only if strictly smaller) and then encrypted with a fresh nonce. A write
 * larger than one frame can carry is cut short, as GOutputStream allows;
 * g_output_stream_write_all() sends the rest in further frames. A
 * zero-length write sends nothing.
 */
#include "config.h"

#include <string.h>

#include "gossip-stream-private.h"
#include "gossip-error.h"

#include <glib/gi18n-lib.h>

struct _GossipStreamOutput
{
  GOutputStream       parent_instance;
  GOutputStream      *base;
  GossipStreamParams *params;
};

G_DEFINE_FINAL_TYPE (GossipStreamOutput, gossip_stream_output, G_TYPE_OUTPUT_STREAM)

/* One frame ready to go: the header and the data, written as two vectors
 * of one writev so the data is not copied again. */
typedef struct {
  guint8          header[GOSSIP_STREAM_HEADER_SIZE];
  GBytes         *data;
  GOutputVector   vectors[2];
  gsize           plain_size;   /* what the caller's write is credited with */
  guint8         *joined;       /* header and data in one buffer, see below */
} Frame;

static void
frame_free (Frame *frame)
{
  g_clear_pointer (&frame->data, g_bytes_unref);
  g_free (frame->joined);
  g_free (frame);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Frame, frame_free)

static Frame *
frame_build (GossipStreamOutput  *self,
             const void          *buffer,
             gsize                count,
             GError             **error)
{
  GossipStreamParams *p = self->params;
  g_autoptr(Frame) frame = g_new0 (Frame, 1);
  g_autoptr(GBytes) data = NULL;
  gboolean compressed = FALSE;
  gsize n = MIN (count, gossip_stream_params_max_plain (p));
  gsize size;

  /* The caller's buffer outlives the write, so it is not copied: the
   * compressor and the cipher copy, and a plain frame is written from it. */
  data = g_bytes_new_static (buffer, n);
  if (p->compressor != NULL && g_atomic_int_get (&p->compress) && n >= p->compress_min_size)
    {
      g_autoptr(GError) local_error = NULL;
      g_autoptr(GBytes) c = gossip_compressor_compress (p->compressor, data, &local_error);

      if (c == NULL)
        g_debug ("Stream frame sent uncompressed: %s", local_error->message);
      else if (g_bytes_get_size (c) < n)
        {
          g_bytes_unref (data);
          data = g_steal_pointer (&c);
          compressed = TRUE;
        }
    }
  if (p->cipher != NULL)
    {
      GBytes *sealed = gossip_cipher_encrypt (p->cipher, p->key, data, error);

      if (sealed == NULL)
        return NULL;
      g_bytes_unref (data);
      data = sealed;
    }

  size = g_bytes_get_size (data);
  if (size > GOSSIP_STREAM_LENGTH_MASK || size > p->max_frame_size)
    {
      g_set_error (error, GOSSIP_ERROR, GOSSIP_ERROR_TOO_LARGE,
                   _("A stream frame of %" G_GSIZE_FORMAT " bytes exceeds the limit of %" G_GSIZE_FORMAT),
                   size, p->max_frame_size);
      return NULL;
    }
  {
    guint32 h = GUINT32_TO_BE ((guint32) size | (compressed ? GOSSIP_STREAM_FLAG_COMPRESSED : 0));
    memcpy (frame->header, &h, sizeof h);
  }
  frame->data = g_steal_pointer (&data);
  frame->vectors[0].buffer = frame->header;
  frame->vectors[0].size = GOSSIP_STREAM_HEADER_SIZE;
  frame->vectors[1].buffer = g_bytes_get_data (frame->data, &frame->vectors[1].size);
  frame->plain_size = n;
  return g_steal_pointer (&frame);
}

static gssize
gossip_stream_output_write (GOutputStream  *stream,
                            const void     *buffer,
                            gsize           count,
                            GCancellable   *cancellable,
                            GError        **error)
{
  GossipStreamOutput *self = GOSSIP_STREAM_OUTPUT (stream);
  g_autoptr(Frame) frame = NULL;

  if (count == 0)
    return 0;
  frame = frame_build (self, buffer, count, error);
  if (frame == NULL)
    return -1;
  if (!g_output_stream_writev_all (self->base, frame->vectors, 2, NULL, cancellable, error))
    return -1;
  return frame->plain_size;
}

static void
write_done_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Frame *frame = g_task_get_task_data (task);
  GError *error = NULL;

  if (!g_output_stream_writev_all_finish (G_OUTPUT_STREAM (source), result, NULL, &error))
    g_task_return_error (task, error);
  else
    g_task_return_int (task, frame->plain_size);
}

static void
write_all_done_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Frame *frame = g_task_get_task_data (task);
  GError *error = NULL;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, &error))
    g_task_return_error (task, error);
  else
    g_task_return_int (task, frame->plain_size);
}

/* GIO runs writev_async of a stream it cannot poll in a thread, through
 * the blocking write: a connection that is only asynchronous (a WebSocket
 * adapter) gets one buffer through its own write_async instead. */
static gboolean
base_can_poll (GOutputStream *base)
{
  return G_IS_POLLABLE_OUTPUT_STREAM (base) &&
         g_pollable_output_stream_can_poll (G_POLLABLE_OUTPUT_STREAM (base));
}

static void
send_frame (GTask *task)
{
  GossipStreamOutput *self = g_task_get_source_object (task);
  Frame *frame = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);
  int io_priority = g_task_get_priority (task);

  if (base_can_poll (self->base))
    {
      g_output_stream_writev_all_async (self->base, frame->vectors, 2, io_priority, cancellable,
                                        write_done_cb, task);
      return;
    }
  frame->joined = g_malloc (GOSSIP_STREAM_HEADER_SIZE + frame->vectors[1].size);
  memcpy (frame->joined, frame->header, GOSSIP_STREAM_HEADER_SIZE);
  memcpy (frame->joined + GOSSIP_STREAM_HEADER_SIZE, frame->vectors[1].buffer, frame->vectors[1].size);
  g_output_stream_write_all_async (self->base, frame->joined,
                                   GOSSIP_STREAM_HEADER_SIZE + frame->vectors[1].size,
                                   io_priority, cancellable, write_all_done_cb, task);
}

typedef struct {
  const void *buffer;
  gsize       count;
} BuildArgs;

static void
build_thread (GTask        *inner,
              gpointer      source,
              gpointer      task_data,
              GCancellable *cancellable)
{
  BuildArgs *args = task_data;
  GError *error = NULL;
  Frame *frame = frame_build (GOSSIP_STREAM_OUTPUT (source), args->buffer, args->count, &error);

  if (frame == NULL)
    g_task_return_error (inner, error);
  else
    g_task_return_pointer (inner, frame, (GDestroyNotify) frame_free);
}

static void
built_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  GTask *task = user_data;
  GError *error = NULL;
  Frame *frame = g_task_propagate_pointer (G_TASK (result), &error);

  if (frame == NULL)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  g_task_set_task_data (task, frame, (GDestroyNotify) frame_free);
  send_frame (task);
}

static void
gossip_stream_output_write_async (GOutputStream       *stream,
                                  const void          *buffer,
                                  gsize                count,
                                  int                  io_priority,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  GossipStreamOutput *self = GOSSIP_STREAM_OUTPUT (stream);
  g_autoptr(GTask) task = g_task_new (stream, cancellable, callback, user_data);
  GError *error = NULL;
  Frame *frame;

  g_task_set_source_tag (task, gossip_stream_output_write_async);
  g_task_set_priority (task, io_priority);
  if (count == 0)
    {
      g_task_return_int (task, 0);
      return;
    }
  /* Sealing a big frame takes milliseconds: a worker thread does it, so
   * the main context keeps serving pings meanwhile. The caller's buffer
   * stays valid until this write completes. */
  if (count >= GOSSIP_STREAM_THREAD_MIN && self->params->cipher != NULL)
    {
      GTask *inner = g_task_new (self, NULL, built_cb, g_steal_pointer (&task));
      BuildArgs *args = g_new (BuildArgs, 1);

      args->buffer = buffer;
      args->count = count;
      g_task_set_source_tag (inner, build_thread);
      g_task_set_task_data (inner, args, g_free);
      g_task_run_in_thread (inner, build_thread);
      g_object_unref (inner);
      return;
    }
  frame = frame_build (self, buffer, count, &error);
  if (frame == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_set_task_data (task, frame, (GDestroyNotify) frame_free);
  send_frame (g_steal_pointer (&task));
}

static gssize
gossip_stream_output_write_finish (GOutputStream  *stream,
                                   GAsyncResult   *result,
                                   GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, stream), -1);
  return g_task_propagate_int (G_TASK (result), error);
}

/* Closing the half does not close the connection: the GossipStream does. */
static gboolean
gossip_stream_output_close (GOutputStream  *stream,
                            GCancellable   *cancellable,
                            GError        **error)
{
  return TRUE;
}

static void
gossip_stream_output_close_async (GOutputStream       *stream,
                                  int                  io_priority,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (stream, cancellable, callback, user_data);

  g_task_set_source_tag (task, gossip_stream_output_close_async);
  g_task_return_boolean (task, TRUE);
}

static gboolean
gossip_stream_output_close_finish (GOutputStream  *stream,
                                   GAsyncResult   *result,
                                   GError        **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
gossip_stream_output_finalize (GObject *object)
{
  GossipStreamOutput *self = GOSSIP_STREAM_OUTPUT (object);

  g_clear_object (&self->base);
  g_clear_pointer (&self->params, gossip_stream_params_unref);
  G_OBJECT_CLASS (gossip_stream_output_parent_class)->finalize (object);
}

static void
gossip_stream_output_class_init (GossipStreamOutputClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GOutputStreamClass *stream_class = G_OUTPUT_STREAM_CLASS (klass);

  object_class->finalize = gossip_stream_output_finalize;
  stream_class->write_fn = gossip_stream_output_write;
  stream_class->write_async = gossip_stream_output_write_async;
  stream_class->write_finish = gossip_stream_output_write_finish;
  stream_class->close_fn = gossip_stream_output_close;
  stream_class->close_async = gossip_stream_output_close_async;
  stream_class->close_finish = gossip_stream_output_close_finish;
}

static void
gossip_stream_output_init (GossipStreamOutput *self)
{
}

GOutputStream *
gossip_stream_output_new (GOutputStream      *base,
                          GossipStreamParams *params)
{
  GossipStreamOutput *self = g_object_new (GOSSIP_TYPE_STREAM_OUTPUT, NULL);

  self->base = g_object_ref (base);
  self->params = gossip_stream_params_ref (params);
  return G_OUTPUT_STREAM (self);
}
