/**
 * The in-memory data: {@link kvstore.core.store.Store} (revisions, batch isolation, the expiry schedule, and the
 * {@link kvstore.core.store.ChangeListener} told of every applied unit) over its {@code KeyTable} (hash index for
 * point reads, sorted map for listings, running totals), its {@link kvstore.core.store.Entry} values with their
 * revision figures, the {@link kvstore.core.store.Op operations} applied to it in units, and the
 * {@link kvstore.core.store.Conditions} that decide a unit's checks before it is applied.
 *
 * <p>Threads: any thread reads. One thread at a time applies writes: the log worker, replay before anyone
 * reads, or the replicated state machine's apply thread; expiries are applied by that same writer.
 */
package kvstore.core.store;
