/**
 * Watches: the store's changes kept for watchers, and each watcher's place in them.
 *
 * <p>{@link kvstore.core.watch.WatchHub} is the {@link kvstore.core.store.ChangeListener} the store calls for every
 * applied unit. It appends the unit to a shared {@code History} (the last {@code --watch-history} changes, whole
 * revisions) and wakes the threads that serve watchers through their {@link kvstore.core.watch.Wakeup}s: once per
 * burst, never per watcher or per change. Each {@link kvstore.core.watch.Watcher} then pulls from the history by
 * its own cursor, writes whole revisions in the {@link kvstore.core.watch.EventFormat} the HTTP layer gives, and
 * decides when its client is too slow to keep.
 *
 * <p>Threads and ownership:
 * <ul>
 *   <li>the applying thread (log worker, replay, or Raft's apply thread) alone appends to the history and moves
 *       its start ({@code History}'s writer-only fields);</li>
 *   <li>a {@code Watcher} belongs to the thread that serves its client (a connection's event loop); the hub never
 *       calls it;</li>
 *   <li>the encoded event of a change is made by the first watcher that needs it and shared by the others
 *       (published through an atomic array slot).</li>
 * </ul>
 */
package kvstore.core.watch;
