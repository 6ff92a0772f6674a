/* gossip-websocket-stream.c: a GIOStream over one SoupWebsocketConnection
 * (PROTOCOL.md §3.3): what a Go node exchanges over TCP, carried in binary
 * WebSocket messages, for connections that outlive a request (streams, §8).
 *
 * Reading: the payloads of successive binary messages form one continuous
 * byte stream; a read returns as many buffered bytes as fit (at least 1),
 * or waits for the next message. Message boundaries carry no meaning. A
 * text message ends the stream with G_IO_ERROR_INVALID_DATA (counted, and
 * the connection closed with 1003). libsoup reads its socket whenever it
 * is readable and offers no way to pause, so the adapter cannot push back
 * on a sender: unread bytes are kept up to a limit, and a peer that sends
 * more than that while nobody reads ends the stream with
 * G_IO_ERROR_NO_SPACE (the buffer is freed, the connection closed with
 * 1009). A close frame with 1000, 1001 or no code, or a TCP close without
 * any close frame (as Go's gorilla provider closes), is end of stream once
 * the buffered bytes are read; any other close code or a connection error
 * is a G_IO_ERROR after them. A message the peer stopped sending midway
 * never surfaces (libsoup discards it): the reader sees the end instead.
 *
 * Writing: each write sends min(count, max-message) bytes as one binary
 * message (a zero-length write sends nothing) and completes once the
 * socket accepts more and libsoup has nothing left to send: a source of
 * low priority on the socket's writability, which the main loop
 * dispatches only in an iteration where libsoup's own output source (of
 * default priority) is not ready. So a fast writer is held back by the
 * peer's reading, and what libsoup queues stays about one message. On a
 * main loop so busy that low priority never runs, a write completes
 * anyway every 20 ms if the socket is writable. Cancelling a write works
 * until it is queued; after that it completes normally.
 *
 * Closing the GIOStream or its output stream sends a WebSocket close
 * (1000) and returns at once; libsoup finishes the handshake in the
 * background and the peer reads end of stream. Closing only the input
 * stream drops what is buffered and ignores what follows.
 *
 * Only the asynchronous calls work: everything runs from libsoup's signals
 * on the connection's main context, so a synchronous read or write there
 * could never complete. Synchronous read and write always fail with
 * G_IO_ERROR_NOT_SUPPORTED; synchronous close works (it never blocks). A
 * pending read can be cancelled (G_IO_ERROR_CANCELLED, nothing lost). The
 * adapter has no timeouts of its own; one read and one write may be
 * pending at a time, both on the connection's main context. */
#include "config.h"

#include <string.h>

#include "gossip-websocket-stream-private.h"

#define WRITE_FALLBACK_MS 20

/* ---- the two halves ---- */

#define GOSSIP_TYPE_WEBSOCKET_INPUT (gossip_websocket_input_get_type ())
G_DECLARE_FINAL_TYPE (GossipWebsocketInput, gossip_websocket_input, GOSSIP, WEBSOCKET_INPUT, GInputStream)

#define GOSSIP_TYPE_WEBSOCKET_OUTPUT (gossip_websocket_output_get_type ())
G_DECLARE_FINAL_TYPE (GossipWebsocketOutput, gossip_websocket_output, GOSSIP, WEBSOCKET_OUTPUT, GOutputStream)

struct _GossipWebsocketInput
{
  GInputStream           parent_instance;
  GossipWebsocketStream *owner;   /* not a reference: cleared by the owner's dispose */
};

struct _GossipWebsocketOutput
{
  GOutputStream          parent_instance;
  GossipWebsocketStream *owner;   /* likewise */
};

G_DEFINE_FINAL_TYPE (GossipWebsocketInput, gossip_websocket_input, G_TYPE_INPUT_STREAM)
G_DEFINE_FINAL_TYPE (GossipWebsocketOutput, gossip_websocket_output, G_TYPE_OUTPUT_STREAM)

struct _GossipWebsocketStream
{
  GIOStream                parent_instance;

  SoupWebsocketConnection *ws;
  GossipWebsocketInput    *input;
  GossipWebsocketOutput   *output;
  gulong                   message_id;
  gulong                   closed_id;
  gulong                   error_id;

  /* What arrived and was not read yet: GBytes, the head partly read. */
  GQueue                   chunks;
  gsize                    head_offset;
  gsize                    buffered;
  gsize                    buffered_peak;
  gsize                    buffer_limit;
  gsize                    max_message;

  gboolean                 eof;          /* nothing more will arrive */
  GError                  *read_error;   /* reported once the buffer is read */
  GError                  *write_error;  /* reported by every later write */
  gboolean                 input_closed;
  gboolean                 close_sent;

  /* The one read waiting for a message. */
  GTask                   *read_task;
  guint8                  *read_buffer;
  gsize                    read_count;
  GSource                  *read_cancel;

  /* The one write waiting for the socket. */
  GTask                   *write_task;
  GSource                  *write_source;
  GSource                  *write_fallback;
  gsize                    write_count;

  guint64                  drops_bad_frame;
};

G_DEFINE_FINAL_TYPE (GossipWebsocketStream, gossip_websocket_stream, G_TYPE_IO_STREAM)

static void
clear_source (GSource **source)
{
  if (*source != NULL)
    {
      g_source_destroy (*source);
      g_clear_pointer (source, g_source_unref);
    }
}

static void
drop_buffer (GossipWebsocketStream *self)
{
  GBytes *b;

  while ((b = g_queue_pop_head (&self->chunks)) != NULL)
    g_bytes_unref (b);
  self->head_offset = 0;
  self->buffered = 0;
}

static gsize
take_buffered (GossipWebsocketStream *self,
               guint8                *out,
               gsize                  count)
{
  gsize done = 0;

  while (done < count && !g_queue_is_empty (&self->chunks))
    {
      GBytes *head = g_queue_peek_head (&self->chunks);
      gsize len;
      const guint8 *data = g_bytes_get_data (head, &len);
      gsize n = MIN (count - done, len - self->head_offset);

      memcpy (out + done, data + self->head_offset, n);
      done += n;
      self->head_offset += n;
      if (self->head_offset == len)
        {
          g_bytes_unref (g_queue_pop_head (&self->chunks));
          self->head_offset = 0;
        }
    }
  self->buffered -= done;
  return done;
}

/* Answers the waiting read if there is anything to tell it. */
static void
read_progress (GossipWebsocketStream *self)
{
  GTask *task;
  guint8 *buffer;

  if (self->read_task == NULL)
    return;
  if (self->buffered == 0 && !self->eof && self->read_error == NULL && !self->input_closed)
    return;

  /* Cleared before answering: the callback may start the next read. */
  task = g_steal_pointer (&self->read_task);
  buffer = g_steal_pointer (&self->read_buffer);
  clear_source (&self->read_cancel);
  if (self->buffered > 0)
    g_task_return_int (task, take_buffered (self, buffer, self->read_count));
  else if (self->read_error != NULL)
    g_task_return_error (task, g_error_copy (self->read_error));
  else if (self->input_closed)
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CLOSED, "Stream is already closed");
  else
    g_task_return_int (task, 0);
  g_object_unref (task);
}

static void
write_fail_pending (GossipWebsocketStream *self)
{
  GTask *task = g_steal_pointer (&self->write_task);

  if (task == NULL)
    return;
  clear_source (&self->write_source);
  clear_source (&self->write_fallback);
  g_task_return_error (task, g_error_copy (self->write_error));
  g_object_unref (task);
}

/* The connection is over for reading (error set or end of stream) and for
 * writing. */
static void
set_failed (GossipWebsocketStream *self,
            GError                *read_error,
            gboolean               drop)
{
  if (drop)
    drop_buffer (self);
  if (read_error != NULL && self->read_error == NULL && !self->eof)
    self->read_error = g_error_copy (read_error);
  self->eof = TRUE;
  if (self->write_error == NULL)
    self->write_error = read_error != NULL
      ? g_error_copy (read_error)
      : g_error_new_literal (G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE, "The WebSocket connection is closed");
  g_clear_error (&read_error);
  read_progress (self);
  write_fail_pending (self);
}

static void
send_close (GossipWebsocketStream *self,
            gushort                code,
            const char            *reason)
{
  if (self->close_sent || self->ws == NULL)
    return;
  self->close_sent = TRUE;
  if (soup_websocket_connection_get_state (self->ws) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close (self->ws, code, reason);
}

static void
message_cb (SoupWebsocketConnection *ws,
            gint                     type,
            GBytes                  *message,
            gpointer                 user_data)
{
  g_autoptr(GossipWebsocketStream) self = g_object_ref (user_data);
  gsize len = g_bytes_get_size (message);

  if (self->eof || self->input_closed)
    return;
  if (type != SOUP_WEBSOCKET_DATA_BINARY)
    {
      self->drops_bad_frame++;
      g_debug ("WebSocket stream: a text message (%" G_GSIZE_FORMAT " bytes); closing", len);
      send_close (self, SOUP_WEBSOCKET_CLOSE_UNSUPPORTED_DATA, NULL);
      set_failed (self, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                                             "The peer sent a text message on a binary stream"),
                  FALSE);
      return;
    }
  if (len == 0)
    return;
  if (self->buffered + len > self->buffer_limit)
    {
      g_debug ("WebSocket stream: %" G_GSIZE_FORMAT " unread bytes would exceed the limit of %"
               G_GSIZE_FORMAT "; closing", self->buffered + len, self->buffer_limit);
      send_close (self, SOUP_WEBSOCKET_CLOSE_TOO_BIG, NULL);
      set_failed (self, g_error_new (G_IO_ERROR, G_IO_ERROR_NO_SPACE,
                                     "More than %" G_GSIZE_FORMAT " unread bytes arrived on the WebSocket stream",
                                     self->buffer_limit),
                  TRUE);
      return;
    }
  /* A copy: libsoup hands out single-frame messages as views into its
   * read buffer, which it reuses after the signal. */
  g_queue_push_tail (&self->chunks, g_bytes_new (g_bytes_get_data (message, NULL), len));
  self->buffered += len;
  self->buffered_peak = MAX (self->buffered_peak, self->buffered);
  read_progress (self);
}

static void
error_cb (SoupWebsocketConnection *ws,
          GError                  *error,
          gpointer                 user_data)
{
  g_autoptr(GossipWebsocketStream) self = g_object_ref (user_data);

  g_debug ("WebSocket stream: %s", error->message);
  set_failed (self, g_error_new (G_IO_ERROR,
                                 error->domain == G_IO_ERROR ? error->code : G_IO_ERROR_FAILED,
                                 "WebSocket connection failed: %s", error->message),
              FALSE);
}

static void
closed_cb (SoupWebsocketConnection *ws,
           gpointer                 user_data)
{
  g_autoptr(GossipWebsocketStream) self = g_object_ref (user_data);
  gushort code = soup_websocket_connection_get_close_code (ws);

  switch (code)
    {
    case 0:   /* no close frame: a plain TCP close, as gorilla's Close() does */
    case SOUP_WEBSOCKET_CLOSE_NORMAL:
    case SOUP_WEBSOCKET_CLOSE_GOING_AWAY:
    case SOUP_WEBSOCKET_CLOSE_NO_STATUS:
      set_failed (self, NULL, FALSE);
      break;
    default:
      set_failed (self, g_error_new (G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED,
                                     "The peer closed the WebSocket with code %u%s%s", code,
                                     soup_websocket_connection_get_close_data (ws) != NULL ? ": " : "",
                                     soup_websocket_connection_get_close_data (ws) != NULL
                                       ? soup_websocket_connection_get_close_data (ws) : ""),
                  FALSE);
      break;
    }
}

/* Keeps the connection until libsoup says it is closed, so that what is
 * queued is flushed and the close handshake runs. */
static void
release_closed_cb (SoupWebsocketConnection *ws,
                   gpointer                 user_data)
{
  g_signal_handlers_disconnect_by_func (ws, release_closed_cb, user_data);
  g_object_unref (ws);
}

/* ---- reading ---- */

static gssize
input_read (GInputStream  *stream,
            void          *buffer,
            gsize          count,
            GCancellable  *cancellable,
            GError       **error)
{
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                       "A WebSocket stream can only be read asynchronously");
  return -1;
}

static gboolean
read_cancelled_cb (GCancellable *cancellable,
                   gpointer      user_data)
{
  GossipWebsocketStream *self = user_data;
  GTask *task = g_steal_pointer (&self->read_task);

  g_clear_pointer (&self->read_cancel, g_source_unref);
  self->read_buffer = NULL;
  if (task != NULL)
    {
      g_task_return_error_if_cancelled (task);
      g_object_unref (task);
    }
  return G_SOURCE_REMOVE;
}

static void
input_read_async (GInputStream        *stream,
                  void                *buffer,
                  gsize                count,
                  int                  io_priority,
                  GCancellable        *cancellable,
                  GAsyncReadyCallback  callback,
                  gpointer             user_data)
{
  GossipWebsocketStream *self = GOSSIP_WEBSOCKET_INPUT (stream)->owner;
  g_autoptr(GTask) task = g_task_new (stream, cancellable, callback, user_data);

  g_task_set_source_tag (task, input_read_async);
  g_task_set_priority (task, io_priority);
  if (self == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CLOSED, "The WebSocket stream is gone");
      return;
    }
  if (g_task_return_error_if_cancelled (task))
    return;
  g_return_if_fail (self->read_task == NULL);

  self->read_task = g_steal_pointer (&task);
  self->read_buffer = buffer;
  self->read_count = count;
  if (count == 0)
    {
      task = g_steal_pointer (&self->read_task);
      g_task_return_int (task, 0);
      return;
    }
  read_progress (self);
  if (self->read_task != NULL && cancellable != NULL)
    {
      self->read_cancel = g_cancellable_source_new (cancellable);
      g_source_set_callback (self->read_cancel, (GSourceFunc) G_CALLBACK (read_cancelled_cb), self, NULL);
      g_source_attach (self->read_cancel, g_task_get_context (self->read_task));
    }
}

static gssize
input_read_finish (GInputStream  *stream,
                   GAsyncResult  *result,
                   GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, stream), -1);

  return g_task_propagate_int (G_TASK (result), error);
}

static gboolean
input_close (GInputStream  *stream,
             GCancellable  *cancellable,
             GError       **error)
{
  GossipWebsocketStream *self = GOSSIP_WEBSOCKET_INPUT (stream)->owner;

  if (self != NULL)
    {
      self->input_closed = TRUE;
      drop_buffer (self);
      read_progress (self);
    }
  return TRUE;
}

static void
input_close_async (GInputStream        *stream,
                   int                  io_priority,
                   GCancellable        *cancellable,
                   GAsyncReadyCallback  callback,
                   gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (stream, cancellable, callback, user_data);

  g_task_set_source_tag (task, input_close_async);
  input_close (stream, NULL, NULL);
  g_task_return_boolean (task, TRUE);
}

static gboolean
input_close_finish (GInputStream  *stream,
                    GAsyncResult  *result,
                    GError       **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
gossip_websocket_input_class_init (GossipWebsocketInputClass *klass)
{
  GInputStreamClass *input_class = G_INPUT_STREAM_CLASS (klass);

  input_class->read_fn = input_read;
  input_class->read_async = input_read_async;
  input_class->read_finish = input_read_finish;
  input_class->close_fn = input_close;
  input_class->close_async = input_close_async;
  input_class->close_finish = input_close_finish;
}

static void
gossip_websocket_input_init (GossipWebsocketInput *self)
{
}

/* ---- writing ---- */

static gssize
output_write (GOutputStream  *stream,
              const void     *buffer,
              gsize           count,
              GCancellable   *cancellable,
              GError        **error)
{
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                       "A WebSocket stream can only be written asynchronously");
  return -1;
}

static gboolean
write_ready_cb (GObject  *pollable,
                gpointer  user_data)
{
  GossipWebsocketStream *self = user_data;
  GTask *task = g_steal_pointer (&self->write_task);

  clear_source (&self->write_source);
  clear_source (&self->write_fallback);
  if (task != NULL)
    {
      g_task_return_int (task, self->write_count);
      g_object_unref (task);
    }
  return G_SOURCE_REMOVE;
}

/* A main loop always busy at default priority (a node handshaking TLS
 * for every probe, say) never gets to the low-priority source: now and
 * then a write completes anyway if the socket takes more. */
static gboolean
write_fallback_cb (gpointer user_data)
{
  GossipWebsocketStream *self = user_data;
  GOutputStream *out = g_io_stream_get_output_stream (soup_websocket_connection_get_io_stream (self->ws));

  if (!g_pollable_output_stream_is_writable (G_POLLABLE_OUTPUT_STREAM (out)))
    return G_SOURCE_CONTINUE;
  g_clear_pointer (&self->write_fallback, g_source_unref);
  write_ready_cb (NULL, self);
  return G_SOURCE_REMOVE;
}

static void
output_write_async (GOutputStream       *stream,
                    const void          *buffer,
                    gsize                count,
                    int                  io_priority,
                    GCancellable        *cancellable,
                    GAsyncReadyCallback  callback,
                    gpointer             user_data)
{
  GossipWebsocketStream *self = GOSSIP_WEBSOCKET_OUTPUT (stream)->owner;
  g_autoptr(GTask) task = g_task_new (stream, cancellable, callback, user_data);
  GOutputStream *out;
  gsize n;

  g_task_set_source_tag (task, output_write_async);
  if (self == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CLOSED, "The WebSocket stream is gone");
      return;
    }
  if (g_task_return_error_if_cancelled (task))
    return;
  if (self->write_error != NULL)
    {
      g_task_return_error (task, g_error_copy (self->write_error));
      return;
    }
  if (soup_websocket_connection_get_state (self->ws) != SOUP_WEBSOCKET_STATE_OPEN)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE, "The WebSocket connection is closing");
      return;
    }
  if (count == 0)
    {
      g_task_return_int (task, 0);   /* no empty messages */
      return;
    }
  g_return_if_fail (self->write_task == NULL);

  n = MIN (count, self->max_message);
  soup_websocket_connection_send_binary (self->ws, buffer, n);
  if (self->write_error != NULL)
    {
      /* libsoup refused it and closed (it reports through error_cb). */
      g_task_return_error (task, g_error_copy (self->write_error));
      return;
    }

  /* Done when the socket takes more and libsoup's output source, of
   * default priority, has nothing left to send: a source of lower
   * priority is dispatched only in an iteration where no higher one is
   * ready. */
  out = g_io_stream_get_output_stream (soup_websocket_connection_get_io_stream (self->ws));
  self->write_task = g_steal_pointer (&task);
  self->write_count = n;
  self->write_source = g_pollable_output_stream_create_source (G_POLLABLE_OUTPUT_STREAM (out), NULL);
  g_source_set_priority (self->write_source, G_PRIORITY_LOW);
  g_source_set_callback (self->write_source, (GSourceFunc) G_CALLBACK (write_ready_cb), self, NULL);
  g_source_attach (self->write_source, g_task_get_context (self->write_task));
  self->write_fallback = g_timeout_source_new (WRITE_FALLBACK_MS);
  g_source_set_callback (self->write_fallback, write_fallback_cb, self, NULL);
  g_source_attach (self->write_fallback, g_task_get_context (self->write_task));
}

static gssize
output_write_finish (GOutputStream  *stream,
                     GAsyncResult   *result,
                     GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, stream), -1);

  return g_task_propagate_int (G_TASK (result), error);
}

static void
output_flush_async (GOutputStream       *stream,
                    int                  io_priority,
                    GCancellable        *cancellable,
                    GAsyncReadyCallback  callback,
                    gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (stream, cancellable, callback, user_data);

  /* Every completed write is already with the socket. */
  g_task_set_source_tag (task, output_flush_async);
  g_task_return_boolean (task, TRUE);
}

static gboolean
output_flush_finish (GOutputStream  *stream,
                     GAsyncResult   *result,
                     GError        **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static gboolean
output_close (GOutputStream  *stream,
              GCancellable   *cancellable,
              GError        **error)
{
  GossipWebsocketStream *self = GOSSIP_WEBSOCKET_OUTPUT (stream)->owner;

  if (self != NULL)
    send_close (self, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
  return TRUE;
}

static void
output_close_async (GOutputStream       *stream,
                    int                  io_priority,
                    GCancellable        *cancellable,
                    GAsyncReadyCallback  callback,
                    gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (stream, cancellable, callback, user_data);

  g_task_set_source_tag (task, output_close_async);
  output_close (stream, NULL, NULL);
  g_task_return_boolean (task, TRUE);
}

static gboolean
output_close_finish (GOutputStream  *stream,
                     GAsyncResult   *result,
                     GError        **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
gossip_websocket_output_class_init (GossipWebsocketOutputClass *klass)
{
  GOutputStreamClass *output_class = G_OUTPUT_STREAM_CLASS (klass);

  output_class->write_fn = output_write;
  output_class->write_async = output_write_async;
  output_class->write_finish = output_write_finish;
  output_class->flush_async = output_flush_async;
  output_class->flush_finish = output_flush_finish;
  output_class->close_fn = output_close;
  output_class->close_async = output_close_async;
  output_class->close_finish = output_close_finish;
}

static void
gossip_websocket_output_init (GossipWebsocketOutput *self)
{
}

/* ---- the stream ---- */

static GInputStream *
stream_get_input_stream (GIOStream *stream)
{
  return G_INPUT_STREAM (GOSSIP_WEBSOCKET_STREAM (stream)->input);
}

static GOutputStream *
stream_get_output_stream (GIOStream *stream)
{
  return G_OUTPUT_STREAM (GOSSIP_WEBSOCKET_STREAM (stream)->output);
}

static gboolean
stream_close (GIOStream     *stream,
              GCancellable  *cancellable,
              GError       **error)
{
  GossipWebsocketStream *self = GOSSIP_WEBSOCKET_STREAM (stream);

  send_close (self, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
  self->input_closed = TRUE;
  drop_buffer (self);
  read_progress (self);
  return TRUE;
}

static void
stream_close_async (GIOStream           *stream,
                    int                  io_priority,
                    GCancellable        *cancellable,
                    GAsyncReadyCallback  callback,
                    gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (stream, cancellable, callback, user_data);

  g_task_set_source_tag (task, stream_close_async);
  stream_close (stream, NULL, NULL);
  g_task_return_boolean (task, TRUE);
}

static gboolean
stream_close_finish (GIOStream     *stream,
                     GAsyncResult  *result,
                     GError       **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
gossip_websocket_stream_dispose (GObject *object)
{
  GossipWebsocketStream *self = GOSSIP_WEBSOCKET_STREAM (object);

  /* GIOStream's dispose closes the stream first (a close frame). */
  G_OBJECT_CLASS (gossip_websocket_stream_parent_class)->dispose (object);

  if (self->ws != NULL)
    {
      g_clear_signal_handler (&self->message_id, self->ws);
      g_clear_signal_handler (&self->closed_id, self->ws);
      g_clear_signal_handler (&self->error_id, self->ws);
      if (soup_websocket_connection_get_state (self->ws) != SOUP_WEBSOCKET_STATE_CLOSED)
        g_signal_connect (g_object_ref (self->ws), "closed", G_CALLBACK (release_closed_cb), NULL);
      g_clear_object (&self->ws);
    }
  /* Reads and writes still pending hold the halves, not this: they end. */
  self->input_closed = TRUE;
  drop_buffer (self);
  read_progress (self);
  if (self->write_error == NULL)
    self->write_error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CLOSED, "The WebSocket stream is closed");
  write_fail_pending (self);
  if (self->input != NULL)
    {
      self->input->owner = NULL;
      g_clear_object (&self->input);
    }
  if (self->output != NULL)
    {
      self->output->owner = NULL;
      g_clear_object (&self->output);
    }
  drop_buffer (self);
}

static void
gossip_websocket_stream_finalize (GObject *object)
{
  GossipWebsocketStream *self = GOSSIP_WEBSOCKET_STREAM (object);

  g_clear_error (&self->read_error);
  g_clear_error (&self->write_error);

  G_OBJECT_CLASS (gossip_websocket_stream_parent_class)->finalize (object);
}

static void
gossip_websocket_stream_class_init (GossipWebsocketStreamClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GIOStreamClass *stream_class = G_IO_STREAM_CLASS (klass);

  object_class->dispose = gossip_websocket_stream_dispose;
  object_class->finalize = gossip_websocket_stream_finalize;
  stream_class->get_input_stream = stream_get_input_stream;
  stream_class->get_output_stream = stream_get_output_stream;
  stream_class->close_fn = stream_close;
  stream_class->close_async = stream_close_async;
  stream_class->close_finish = stream_close_finish;
}

static void
gossip_websocket_stream_init (GossipWebsocketStream *self)
{
  g_queue_init (&self->chunks);
}

/* Wraps @ws, which the adapter then owns: it reads every message from now
 * on, and closes @ws when closed or finalized. @buffer_limit: unread bytes
 * kept before the stream fails; @max_message: the largest message sent or
 * accepted. */
GossipWebsocketStream *
gossip_websocket_stream_new (SoupWebsocketConnection *ws,
                             gsize                    buffer_limit,
                             gsize                    max_message)
{
  GossipWebsocketStream *self;

  g_return_val_if_fail (SOUP_IS_WEBSOCKET_CONNECTION (ws), NULL);
  g_return_val_if_fail (buffer_limit > 0 && max_message > 0, NULL);

  self = g_object_new (GOSSIP_TYPE_WEBSOCKET_STREAM, NULL);
  self->ws = g_object_ref (ws);
  self->buffer_limit = buffer_limit;
  gossip_websocket_stream_set_max_message (self, max_message);
  self->input = g_object_new (GOSSIP_TYPE_WEBSOCKET_INPUT, NULL);
  self->input->owner = self;
  self->output = g_object_new (GOSSIP_TYPE_WEBSOCKET_OUTPUT, NULL);
  self->output->owner = self;
  self->message_id = g_signal_connect (ws, "message", G_CALLBACK (message_cb), self);
  self->closed_id = g_signal_connect (ws, "closed", G_CALLBACK (closed_cb), self);
  self->error_id = g_signal_connect (ws, "error", G_CALLBACK (error_cb), self);
  if (soup_websocket_connection_get_state (ws) == SOUP_WEBSOCKET_STATE_CLOSED)
    closed_cb (ws, self);
  return self;
}

/* Bytes that arrived before the adapter existed (the rest of the message
 * that completed a request). */
void
gossip_websocket_stream_push (GossipWebsocketStream *self,
                              const guint8          *data,
                              gsize                  len)
{
  g_autoptr(GBytes) b = NULL;

  g_return_if_fail (GOSSIP_IS_WEBSOCKET_STREAM (self));

  if (len == 0)
    return;
  b = g_bytes_new (data, len);
  message_cb (self->ws, SOUP_WEBSOCKET_DATA_BINARY, b, self);
}

/* Also the largest message libsoup accepts from the peer. */
void
gossip_websocket_stream_set_max_message (GossipWebsocketStream *self,
                                         gsize                  max_message)
{
  g_return_if_fail (GOSSIP_IS_WEBSOCKET_STREAM (self));

  self->max_message = max_message;
  if (self->ws != NULL)
    soup_websocket_connection_set_max_incoming_payload_size (self->ws, max_message);
}

/* Tests: a small limit to flood. */
void
gossip_websocket_stream_set_buffer_limit (GossipWebsocketStream *self,
                                          gsize                  buffer_limit)
{
  g_return_if_fail (GOSSIP_IS_WEBSOCKET_STREAM (self));
  g_return_if_fail (buffer_limit > 0);

  self->buffer_limit = buffer_limit;
}

SoupWebsocketConnection *
gossip_websocket_stream_get_connection (GossipWebsocketStream *self)
{
  g_return_val_if_fail (GOSSIP_IS_WEBSOCKET_STREAM (self), NULL);

  return self->ws;
}

gsize
gossip_websocket_stream_get_buffered (GossipWebsocketStream *self)
{
  g_return_val_if_fail (GOSSIP_IS_WEBSOCKET_STREAM (self), 0);

  return self->buffered;
}

gsize
gossip_websocket_stream_get_buffered_peak (GossipWebsocketStream *self)
{
  g_return_val_if_fail (GOSSIP_IS_WEBSOCKET_STREAM (self), 0);

  return self->buffered_peak;
}

guint64
gossip_websocket_stream_get_drops_bad_frame (GossipWebsocketStream *self)
{
  g_return_val_if_fail (GOSSIP_IS_WEBSOCKET_STREAM (self), 0);

  return self->drops_bad_frame;
}
