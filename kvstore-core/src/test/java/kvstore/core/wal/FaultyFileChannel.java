package kvstore.core.wal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * A real file channel that fails on demand, as a full disk or a dying device would: writes past
 * {@link #spaceLimit} store the part that fits and then throw "No space left on device"; a force fails
 * while {@link #failForce} is set. Counts writes and forces. A close waits for {@link #closeGate} when
 * one is set, as the close of a large unlinked file waits for the filesystem to free its blocks.
 */
final class FaultyFileChannel extends FileChannel {
    static final String NO_SPACE = "No space left on device";

    private final FileChannel delegate;
    final AtomicInteger forces = new AtomicInteger();
    final AtomicInteger writes = new AtomicInteger();
    volatile long spaceLimit = Long.MAX_VALUE;
    volatile boolean failForce;
    /** Told of the bytes of every write about to happen, on the writing thread. */
    volatile Consumer<byte[]> onWrite = bytes -> { };
    /** Told of every force just done, on the forcing thread. */
    volatile Runnable onForce = () -> { };
    /** When set, a close waits (at most 10 s) until it opens. */
    volatile CountDownLatch closeGate;
    /** Counted down when a close has begun. */
    final CountDownLatch closing = new CountDownLatch(1);
    /** Counted down when the close is done. */
    final CountDownLatch closed = new CountDownLatch(1);
    /** The size of every truncate, in order. */
    final List<Long> truncations = Collections.synchronizedList(new ArrayList<>());

    private FaultyFileChannel(FileChannel delegate) {
        this.delegate = delegate;
    }

    static FaultyFileChannel open(Path file) throws IOException {
        return new FaultyFileChannel(FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE));
    }

    @Override
    public int write(ByteBuffer src, long position) throws IOException {
        byte[] bytes = new byte[src.remaining()];
        src.duplicate().get(bytes);
        onWrite.accept(bytes);
        writes.incrementAndGet();
        long limit = spaceLimit;
        if (position + src.remaining() > limit) {
            int fits = (int) Math.max(0, limit - position);
            if (fits > 0) {
                ByteBuffer prefix = src.duplicate();
                prefix.limit(prefix.position() + fits);
                delegate.write(prefix, position);
            }
            throw new IOException(NO_SPACE);
        }
        return delegate.write(src, position);
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        int n = write(src, delegate.position());
        delegate.position(delegate.position() + n);
        return n;
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
        long total = 0;
        for (int i = offset; i < offset + length; i++) {
            total += write(srcs[i]);
        }
        return total;
    }

    @Override
    public void force(boolean metaData) throws IOException {
        if (failForce) {
            throw new IOException("Input/output error");
        }
        delegate.force(metaData);
        forces.incrementAndGet();
        onForce.run();
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        return delegate.read(dst);
    }

    @Override
    public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
        return delegate.read(dsts, offset, length);
    }

    @Override
    public int read(ByteBuffer dst, long position) throws IOException {
        return delegate.read(dst, position);
    }

    @Override
    public long position() throws IOException {
        return delegate.position();
    }

    @Override
    public FileChannel position(long newPosition) throws IOException {
        delegate.position(newPosition);
        return this;
    }

    @Override
    public long size() throws IOException {
        return delegate.size();
    }

    @Override
    public FileChannel truncate(long size) throws IOException {
        truncations.add(size);
        delegate.truncate(size);
        return this;
    }

    @Override
    public long transferTo(long position, long count, WritableByteChannel target) throws IOException {
        return delegate.transferTo(position, count, target);
    }

    @Override
    public long transferFrom(ReadableByteChannel src, long position, long count) throws IOException {
        return delegate.transferFrom(src, position, count);
    }

    @Override
    public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
        return delegate.map(mode, position, size);
    }

    @Override
    public FileLock lock(long position, long size, boolean shared) throws IOException {
        return delegate.lock(position, size, shared);
    }

    @Override
    public FileLock tryLock(long position, long size, boolean shared) throws IOException {
        return delegate.tryLock(position, size, shared);
    }

    @Override
    protected void implCloseChannel() throws IOException {
        closing.countDown();
        CountDownLatch gate = closeGate;
        if (gate != null) {
            try {
                gate.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        delegate.close();
        closed.countDown();
    }
}
