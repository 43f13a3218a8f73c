package kvstore.netty.http;

import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.timeout.IdleStateEvent;
import kvstore.core.Database;
import kvstore.core.store.Entry;
import kvstore.core.store.Op;
import kvstore.core.store.OpResult;
import kvstore.core.wal.LogWriteException;
import kvstore.core.wal.WalWriter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Locale;

/**
 * Answers kvstore's HTTP API. Reads, listings, stats and health are answered here on the event loop from
 * memory. Writes are parsed and checked here, then handed to the WAL writer; their response is sent back
 * through {@code ctx.executor()} once the write is durable, and {@link ResponseOrder} keeps it in order.
 */
@ChannelHandler.Sharable
public final class KvHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(KvHandler.class);
    private static final String NOT_FOUND = "key not found";

    private final Database db;
    private final String fsyncPolicy;
    private final long startNanos = System.nanoTime();

    public KvHandler(Database db, String fsyncPolicy) {
        this.db = db;
        this.fsyncPolicy = fsyncPolicy;
    }

    /** What is needed to answer a request after it has been released. */
    private record Exchange(ChannelHandlerContext ctx, int sequence, HttpVersion version, boolean keepAlive) {
        void send(FullHttpResponse response, boolean flush) {
            if (!ctx.channel().isActive()) {
                response.release();
                return;
            }
            HttpUtil.setKeepAlive(response, keepAlive);
            SequencedResponse message = new SequencedResponse(sequence, response, !keepAlive);
            if (flush) {
                ctx.writeAndFlush(message, ctx.voidPromise());
            } else {
                ctx.write(message, ctx.voidPromise());
            }
        }

        void error(HttpResponseStatus status, String message, boolean flush) {
            send(Responses.error(ctx.alloc(), version, status, message), flush);
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof SequencedRequest sequenced)) {
            ctx.fireChannelRead(msg);
            return;
        }
        FullHttpRequest request = sequenced.request();
        try {
            handle(ctx, sequenced.sequence(), request);
        } finally {
            request.release();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        ctx.flush();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent) {
            ctx.close();
        } else {
            ctx.fireUserEventTriggered(evt);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("closing connection after error", cause);
        ctx.close();
    }

    private void handle(ChannelHandlerContext ctx, int sequence, FullHttpRequest request) {
        if (!request.decoderResult().isSuccess()) {
            Throwable cause = request.decoderResult().cause();
            boolean tooLarge = cause instanceof BodyLimit.BodyTooLargeException;
            Exchange ex = new Exchange(ctx, sequence, request.protocolVersion(), tooLarge && HttpUtil.isKeepAlive(request));
            ex.error(tooLarge ? HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE : HttpResponseStatus.BAD_REQUEST,
                    tooLarge ? cause.getMessage() : "malformed HTTP request", false);
            return;
        }
        Exchange ex = new Exchange(ctx, sequence, request.protocolVersion(), HttpUtil.isKeepAlive(request));
        String uri = request.uri();
        int pathEnd = Route.pathEnd(uri);
        HttpMethod method = request.method();
        Route route = Route.of(method, uri, pathEnd);
        if (route == Route.NOT_FOUND) {
            ex.error(HttpResponseStatus.NOT_FOUND, "no such endpoint: " + uri.substring(0, pathEnd), false);
            return;
        }
        if (!route.allows(method)) {
            FullHttpResponse response = Responses.error(ctx.alloc(), ex.version(), HttpResponseStatus.METHOD_NOT_ALLOWED,
                    "method " + method + " is not allowed here (allowed: " + route.allow + ")");
            response.headers().set(HttpHeaderNames.ALLOW, route.allow);
            ex.send(response, false);
            return;
        }
        try {
            switch (route) {
                case HEALTH -> ex.send(Responses.json(ex.version(), HttpResponseStatus.OK,
                        new JsonBody(ctx.alloc(), 16).raw("{\"status\":\"ok\"}").done()), false);
                case STATS -> stats(ex);
                case LIST -> list(ex, Keys.prefixFromQuery(uri, pathEnd + 1));
                case BATCH -> batch(ex, ByteBufUtil.getBytes(request.content()));
                case ITEM -> item(ex, method, Keys.fromPath(uri, "/kv/".length(), pathEnd), request);
                default -> throw new IllegalStateException("unrouted " + route);
            }
        } catch (BadRequestException e) {
            FullHttpResponse response = e.index() >= 0
                    ? Responses.error(ctx.alloc(), ex.version(), HttpResponseStatus.BAD_REQUEST, e.getMessage(), e.index())
                    : Responses.error(ctx.alloc(), ex.version(), HttpResponseStatus.BAD_REQUEST, e.getMessage());
            ex.send(response, false);
        }
    }

    private void item(Exchange ex, HttpMethod method, byte[] key, FullHttpRequest request) throws BadRequestException {
        if (method == HttpMethod.GET) {
            Entry entry = db.get(key);
            if (entry == null) {
                ex.error(HttpResponseStatus.NOT_FOUND, NOT_FOUND, false);
                return;
            }
            byte[] value = entry.value();
            ex.send(ok(ex, new JsonBody(ex.ctx().alloc(), key.length + value.length + 24)
                    .raw("{\"key\":").string(key).raw(",\"value\":").json(value).raw("}")), false);
        } else if (method == HttpMethod.PUT) {
            long now = db.now();
            Op.Set set = WriteBodies.put(key, ByteBufUtil.getBytes(request.content()), now);
            submit(ex, List.of(set), now, results -> {
                byte[] value = set.entry().value();
                return ok(ex, new JsonBody(ex.ctx().alloc(), key.length + value.length + 64)
                        .raw("{\"success\":true,\"key\":").string(key).raw(",\"value\":").json(value)
                        .raw(",\"created\":").bool(!results.get(0).existed()).raw("}"));
            });
        } else {
            submit(ex, List.of(new Op.Delete(key)), db.now(), results -> {
                if (!results.get(0).existed()) {
                    return Responses.error(ex.ctx().alloc(), ex.version(), HttpResponseStatus.NOT_FOUND, NOT_FOUND);
                }
                return ok(ex, new JsonBody(ex.ctx().alloc(), key.length + 48)
                        .raw("{\"success\":true,\"deleted\":true,\"key\":").string(key).raw("}"));
            });
        }
    }

    private void batch(Exchange ex, byte[] body) throws BadRequestException {
        long now = db.now();
        List<Op> ops = WriteBodies.batch(body, now);
        if (ops.isEmpty()) {
            ex.send(ok(ex, new JsonBody(ex.ctx().alloc(), 32).raw("{\"success\":true,\"results\":[]}")), false);
            return;
        }
        submit(ex, ops, now, results -> {
            JsonBody json = new JsonBody(ex.ctx().alloc(), 64 * ops.size()).raw("{\"success\":true,\"results\":[");
            for (int i = 0; i < ops.size(); i++) {
                if (i > 0) {
                    json.raw(",");
                }
                batchResult(json, ops.get(i), results.get(i));
            }
            return ok(ex, json.raw("]}"));
        });
    }

    private static void batchResult(JsonBody json, Op op, OpResult result) {
        byte[] key = op.key();
        if (op instanceof Op.Set) {
            json.raw("{\"success\":true,\"key\":").string(key).raw(",\"created\":").bool(!result.existed()).raw("}");
        } else if (op instanceof Op.Delete) {
            json.raw(result.existed() ? "{\"success\":true,\"deleted\":true,\"key\":" : "{\"success\":false,\"deleted\":false,\"key\":")
                    .string(key).raw(result.existed() ? "}" : ",\"error\":\"" + NOT_FOUND + "\"}");
        } else if (result.existed()) {
            json.raw("{\"key\":").string(key).raw(",\"value\":").json(result.value()).raw("}");
        } else {
            json.raw("{\"key\":").string(key).raw(",\"error\":\"" + NOT_FOUND + "\"}");
        }
    }

    private void list(Exchange ex, byte[] prefix) {
        List<byte[]> keys = db.keysWithPrefix(prefix);
        int size = 16;
        for (byte[] k : keys) {
            size += k.length + 3;
        }
        JsonBody json = new JsonBody(ex.ctx().alloc(), size).raw("{\"keys\":[");
        for (int i = 0; i < keys.size(); i++) {
            if (i > 0) {
                json.raw(",");
            }
            json.string(keys.get(i));
        }
        ex.send(ok(ex, json.raw("]}")), false);
    }

    private void stats(Exchange ex) {
        Database.Stats s = db.stats();
        double uptime = (System.nanoTime() - startNanos) / 1e9;
        ex.send(ok(ex, new JsonBody(ex.ctx().alloc(), 256)
                .raw("{\"keys\":").number(s.keys())
                .raw(",\"total_keys\":").number(s.keys())
                .raw(",\"size_bytes\":").number(s.valueBytes())
                .raw(",\"total_operations\":").number(s.operations())
                .raw(",\"uptime_seconds\":").raw(String.format(Locale.ROOT, "%.3f", uptime))
                .raw(",\"wal_bytes\":").number(s.logBytes())
                .raw(",\"compactions\":").number(s.compactions())
                .raw(",\"fsync\":").string(fsyncPolicy)
                .raw("}")), false);
    }

    private static FullHttpResponse ok(Exchange ex, JsonBody body) {
        return Responses.json(ex.version(), HttpResponseStatus.OK, body.done());
    }

    /** Builds the response of a write once the WAL writer has logged and applied it. */
    @FunctionalInterface
    private interface Reply {
        FullHttpResponse build(List<OpResult> results);
    }

    private void submit(Exchange ex, List<Op> ops, long now, Reply reply) {
        db.submit(ops, now, new WalWriter.Completion() {
            @Override
            public void completed(List<OpResult> results) {
                ex.ctx().executor().execute(() -> ex.send(reply.build(results), true));
            }

            @Override
            public void failed(LogWriteException cause) {
                HttpResponseStatus status = cause.isShutdown()
                        ? HttpResponseStatus.SERVICE_UNAVAILABLE : HttpResponseStatus.INSUFFICIENT_STORAGE;
                ex.ctx().executor().execute(() -> ex.error(status, cause.getMessage() + "; nothing was written", true));
            }
        });
    }
}
