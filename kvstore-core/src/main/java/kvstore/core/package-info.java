/**
 * What the HTTP layer needs from storage, and the single-node engine that provides it.
 *
 * <p>{@link kvstore.core.Engine} is the boundary: reads from memory, writes that complete once durable, and a
 * typed {@link kvstore.core.WriteFailedException} for every refusal. {@link kvstore.core.LocalEngine} builds
 * every part in {@code open()} (data directory, store, replay, log worker, expiry sweeper) and hands them to
 * a constructor with final fields. {@link kvstore.core.RateLimitedLog} keeps the warnings of a fault that repeats
 * (a full disk, a connection flood) to one line per interval, for the log and the HTTP layer alike.
 *
 * <p>Threads: an engine is safe to use from any thread. A write is encoded on the thread that submits it
 * (an event loop), logged and applied on the log worker's thread, and its stage completes there.
 */
package kvstore.core;
