package kvstore.core;

import java.io.IOException;

/**
 * Test seam: told when compaction reaches each of its crash-relevant points, on the thread that reached it.
 * Throwing fails that step as the disk would; halting the process there is a crash at that point.
 */
@FunctionalInterface
public interface CompactionProbe {
    /** The points, in the order compaction reaches them. */
    enum Point {
        /** The new log holds every live entry and is fsynced, under its temporary name. */
        TEMP_WRITTEN("compaction-after-temp-written"),
        /** The newer writes are appended and fsynced; the rename is next. */
        BEFORE_RENAME("compaction-before-rename"),
        /** The new log has its final name; the directory fsync is next. */
        AFTER_RENAME("compaction-after-rename");

        /** The point's name as the crash tests give it. */
        public final String label;

        Point(String label) {
            this.label = label;
        }
    }

    CompactionProbe NONE = point -> { };

    void reached(Point point) throws IOException;
}
