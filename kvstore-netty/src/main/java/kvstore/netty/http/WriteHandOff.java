package kvstore.netty.http;

import io.netty.util.concurrent.EventExecutor;
import kvstore.core.Engine;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;

/**
 * The writes one event loop starts in one turn, handed to the engine together at the end of the turn (a task
 * runs after the turn's reads): the engine's writer then wakes once per turn instead of once per write, and
 * finds them all queued, so they go to disk as one group. Redis gets the same by doing everything in its one
 * loop. Writes keep the order they were started in.
 *
 * <p>One per event loop ({@link WriteRequests} keeps them), used only on it.
 */
final class WriteHandOff implements Runnable {
    private final Engine db;
    private final EventExecutor loop;
    /** Event loop only: the writes started since the last hand-off. */
    private final List<Engine.Submission> started = new ArrayList<>();

    WriteHandOff(Engine db, EventExecutor loop) {
        this.db = db;
        this.loop = loop;
    }

    /** Hands {@code write} to the engine at the end of this turn of the loop, with the others started in it. */
    void add(Engine.Submission write) {
        started.add(write);
        if (started.size() == 1) {
            try {
                loop.execute(this);
            } catch (RejectedExecutionException e) {
                run(); // the loop is shutting down and runs no more tasks: hand it over now
            }
        }
    }

    /** The end of the turn: hands over what was started in it. */
    @Override
    public void run() {
        try {
            db.submitAll(started);
        } finally {
            started.clear();
        }
    }
}
