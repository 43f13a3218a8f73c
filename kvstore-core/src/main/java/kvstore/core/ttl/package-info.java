/**
 * The timer wheel that expiry deadlines are scheduled on. It has no thread of its own; its methods are
 * synchronized because the store's writer schedules while the sweeper advances and readers of the figures look.
 */
package kvstore.core.ttl;
