/**
 * The Java client of kvstore: {@link kvstore.client.KvClient} and what it returns.
 *
 * <p>It depends on the JDK ({@code java.net.http}) and Jackson only, nothing else of kvstore's.
 *
 * <p>Who owns what: a {@code KvClient} is shared by any number of threads; its {@code Transport} and
 * {@code Endpoints} are thread-safe (the preferred endpoint is one atomic index). Each {@link kvstore.client.Watch}
 * has a thread of its own that owns its connection, its cursor and its backoff; the client's one timer thread
 * only closes a watch's stream when it has been silent too long. {@link kvstore.client.Batch} is built on one
 * thread; results and pages are immutable.
 */
package kvstore.client;
