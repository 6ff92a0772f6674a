/* test-utils.h: shared helpers for the gossip-glib tests. */
#pragma once

#include "gossip-glib.h"

G_BEGIN_DECLS

/* Iterates the thread-default main context until @cond returns TRUE or
 * @timeout_ms elapses. Returns whether @cond became TRUE. */
typedef gboolean (* TestCondFunc) (gpointer user_data);
gboolean test_wait_for (TestCondFunc cond, gpointer user_data, guint timeout_ms);

/* Runs the main context for @ms: for windows in which something must NOT
 * happen (no false death, no revival), where there is no condition to wait on. */
void     test_run_for (guint ms);

/* Joins @peers with gossip_cluster_join_async() and iterates the
 * thread-default context until it is done (the library has no blocking
 * join: a blocking call would have to run the cluster's context inside it).
 * Returns what gossip_cluster_join_finish() returns. */
guint    test_cluster_join (GossipCluster      *cluster,
                            const char * const *peers,
                            GCancellable       *cancellable,
                            GError            **error);

/* Clusters in one process (a GPtrArray of GossipCluster*): */
/* TRUE when every one of them sees all of them alive. */
gboolean test_clusters_converged  (gpointer   clusters);
/* Joins clusters 1..n-1 to cluster 0 and waits (10 s) for convergence. */
void     test_clusters_join_first (GPtrArray *clusters);
/* Stops every cluster, then drops the array. */
void     test_clusters_free       (GPtrArray *clusters);

/* UNDER_ASAN is defined in AddressSanitizer builds, whose quarantine keeps
 * freed memory resident: memory bounds there only catch gross cases. */
#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

/* One GossipStats counter of @cluster. */
guint64  test_stat (GossipCluster *cluster,
                    const char    *name);

/* This process's resident set (VmRSS), in bytes. */
gsize    test_rss_bytes (void);

/* Decodes a hex string (whitespace ignored). */
GBytes  *test_hex_to_bytes (const char *hex);
char    *test_bytes_to_hex (GBytes *bytes);

/* Path of a file in tests/data (GOSSIP_TEST_DATA): Go captures, vectors. */
char    *test_data_path (const char *relative);

#define test_assert_bytes_hex(bytes, hex) G_STMT_START { \
    g_autofree char *__got = test_bytes_to_hex (bytes); \
    g_autoptr(GBytes) __want_b = test_hex_to_bytes (hex); \
    g_autofree char *__want = test_bytes_to_hex (__want_b); \
    g_assert_cmpstr (__got, ==, __want); \
  } G_STMT_END

G_END_DECLS
