/**
 * The clocks every time-dependent class is given, so tests inject manual ones instead of waiting: wall-clock
 * epoch milliseconds for deadlines that outlive the process, monotonic nanoseconds for intervals.
 */
package kvstore.core.time;
