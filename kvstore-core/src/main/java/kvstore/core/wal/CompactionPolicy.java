package kvstore.core.wal;

import kvstore.core.CompactionProbe;

/**
 * When the log worker compacts the log: never below {@code minBytes}, only past {@code ratio} times the live
 * data; {@code probe} is told of each crash-relevant step.
 */
public record CompactionPolicy(long minBytes, double ratio, CompactionProbe probe) {
}
