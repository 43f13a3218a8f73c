/**
 * The in-memory data: {@link kvstore.core.store.Store} (hash index for point reads, sorted map for listings,
 * batch isolation, running totals and the expiry schedule), its {@link kvstore.core.store.Entry} values and
 * the {@link kvstore.core.store.Op operations} applied to it, and the {@link kvstore.core.store.ExpirySweeper}
 * that removes entries once due.
 *
 * <p>Threads: any thread reads. One thread at a time applies writes (the log worker, or replay before anyone
 * reads); the sweeper's thread removes due entries concurrently, under the store's writer lock.
 */
package kvstore.core.store;
