package kvstore.client;

import com.fasterxml.jackson.databind.JsonNode;

import javax.net.ssl.SSLContext;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.function.UnaryOperator;

/**
 * A client of a kvstore server or cluster: reads, writes (plain and conditional), listings, batches and watches,
 * over HTTP with the JDK's {@link HttpClient}.
 *
 * <pre>{@code
 * try (KvClient kv = KvClient.builder().endpoints("http://127.0.0.1:8080").build()) {
 *     kv.put("greeting", KvClient.parseJson("{\"text\": \"hello\"}"));
 *     KeyValue read = kv.get("greeting");
 *     kv.putIfRevision("greeting", KvClient.parseJson("\"bye\""), read.modRevision());
 * }
 * }</pre>
 *
 * <p>Every method throws a {@link KvException} subclass when the server refuses or cannot be reached (see there).
 * Writes are never sent twice behind the caller's back: a write whose outcome is unknown (a lost connection, a
 * cluster that lost its majority meanwhile) fails with {@link OutcomeUnknownException}, unless it is conditional
 * and so safe to repeat. Thread-safe: share one client.
 */
public final class KvClient implements AutoCloseable {
    private final Transport transport;
    private final ExecutorService httpThreads;
    private final ScheduledThreadPoolExecutor watchTimer;
    private final Set<Watch> watches = ConcurrentHashMap.newKeySet();
    private final WatchSettings watchSettings;
    private final int pageSize;
    private final int updateAttempts;

    KvClient(Endpoints endpoints, String token, SSLContext tls, Duration connectTimeout, Duration requestTimeout,
             WatchSettings watchSettings, int pageSize, int updateAttempts) {
        this.httpThreads = Executors.newCachedThreadPool(daemon("kvstore-client-http"));
        HttpClient.Builder http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(connectTimeout).followRedirects(HttpClient.Redirect.NEVER).executor(httpThreads);
        if (tls != null) {
            http.sslContext(tls);
        } else if (!endpoints.anyTls()) {
            http.sslContext(NoTls.CONTEXT);
        }
        this.transport = new Transport(http.build(), endpoints, token, requestTimeout);
        this.watchTimer = new ScheduledThreadPoolExecutor(1, daemon("kvstore-client-watch-timer"));
        this.watchTimer.setRemoveOnCancelPolicy(true);
        this.watchSettings = watchSettings;
        this.pageSize = pageSize;
        this.updateAttempts = updateAttempts;
    }

    /** Settings for a new client. */
    public static KvClientBuilder builder() {
        return new KvClientBuilder();
    }

    /** Parses JSON text into a value as this client reads values: numbers exact (BigInteger, BigDecimal). */
    public static JsonNode parseJson(String json) {
        return Json.parse(json);
    }

    /**
     * A value given as JSON text, for any write of this client, sent exactly as written: a tree from
     * {@link #parseJson} keeps every number's value but writes {@code 1e400} as {@code 1E+400}. The node is opaque
     * (not a tree to walk); IllegalArgumentException when {@code json} is not exactly one JSON value.
     */
    public static JsonNode rawJson(String json) {
        return Json.raw(json);
    }

    // ------------------------------------------------------------------------------------------------ reads

    /** The key's value and revisions; {@link NotFoundException} when it is absent or expired. */
    public KeyValue get(String key) {
        Call call = Call.read(UrlText.keyPath(key));
        HttpReply reply = transport.expectOk(call);
        AnswerJson answer = Answers.parse(call, reply);
        return KeyValue.of(answer.root(), answer, 0);
    }

    /** The key's value and revisions, or empty when it is absent or expired. */
    public Optional<KeyValue> find(String key) {
        try {
            return Optional.of(get(key));
        } catch (NotFoundException e) {
            return Optional.empty();
        }
    }

    // ------------------------------------------------------------------------------------------------ writes

    /** Sets {@code key} to {@code value}, without a TTL (a TTL the key had is removed). */
    public PutResult put(String key, JsonNode value) {
        return put(key, Json.text(value), null, Map.of());
    }

    /** Sets {@code key} to {@code value}, expiring after {@code ttl} (null: never). */
    public PutResult put(String key, JsonNode value, Duration ttl) {
        return put(key, Json.text(value), ttl, Map.of());
    }

    /** Sets {@code key} to the value written as JSON text, such as {@code "{\"n\": 1e400}"}; no TTL. */
    public PutResult putJson(String key, String json) {
        return put(key, Json.checkedText(json), null, Map.of());
    }

    /** Sets {@code key} to the value written as JSON text, expiring after {@code ttl} (null: never). */
    public PutResult putJson(String key, String json, Duration ttl) {
        return put(key, Json.checkedText(json), ttl, Map.of());
    }

    /** Creates {@code key} only if it does not exist; {@link PreconditionFailedException} when it does. */
    public PutResult putIfAbsent(String key, JsonNode value) {
        return putIfAbsent(key, value, null);
    }

    /**
     * Creates {@code key}, expiring after {@code ttl}, only if it does not exist: the way to take a lock or a lease
     * ({@link PreconditionFailedException} when someone holds it).
     */
    public PutResult putIfAbsent(String key, JsonNode value, Duration ttl) {
        return put(key, Json.text(value), ttl, Map.of("If-None-Match", "*"));
    }

    /**
     * Sets {@code key} only if its {@code mod_revision} is still {@code modRevision} (nobody wrote it since it was
     * read): {@link PreconditionFailedException}, carrying the current revision, when someone did.
     */
    public PutResult putIfRevision(String key, JsonNode value, long modRevision) {
        return putIfRevision(key, value, modRevision, null);
    }

    /** {@link #putIfRevision(String, JsonNode, long)} with a TTL: renews a lease that is still ours. */
    public PutResult putIfRevision(String key, JsonNode value, long modRevision, Duration ttl) {
        return put(key, Json.text(value), ttl, Map.of("If-Match", "\"" + modRevision + "\""));
    }

    private PutResult put(String key, String valueJson, Duration ttl, Map<String, String> conditions) {
        String body = "{\"value\":" + valueJson + (ttl == null ? "" : ",\"ttl\":" + Json.seconds(ttl)) + "}";
        Call call = Call.write("PUT", UrlText.keyPath(key), body.getBytes(StandardCharsets.UTF_8), conditions);
        JsonNode answer = Answers.parse(call, transport.expectOk(call)).root();
        return new PutResult(key, answer.path("created").asBoolean(), answer.path("revision").asLong());
    }

    /** Deletes {@code key}; {@link NotFoundException} when it is absent. */
    public DeleteResult delete(String key) {
        return delete(key, Map.of());
    }

    /** Deletes {@code key} only if its {@code mod_revision} is {@code modRevision}: releases a lock still ours. */
    public DeleteResult deleteIfRevision(String key, long modRevision) {
        return delete(key, Map.of("If-Match", "\"" + modRevision + "\""));
    }

    private DeleteResult delete(String key, Map<String, String> conditions) {
        Call call = Call.write("DELETE", UrlText.keyPath(key), null, conditions);
        JsonNode answer = Answers.parse(call, transport.expectOk(call)).root();
        return new DeleteResult(key, answer.path("revision").asLong());
    }

    /**
     * Changes {@code key} by reading it, applying {@code change} to its value (null when absent) and writing the
     * result on the condition that nobody wrote the key in between; when somebody did, it reads and tries again
     * (with a short random pause), up to the builder's {@code updateAttempts}. So {@code change} may run several
     * times and must not have side effects. It returns null to leave the key alone; the value written has no TTL.
     *
     * @return the write, or null when {@code change} returned null
     * @throws PreconditionFailedException when the key kept changing for every attempt
     * @throws OutcomeUnknownException     when a write was lost in a way that leaves unclear whether it was applied
     */
    public PutResult update(String key, UnaryOperator<JsonNode> change) {
        return OptimisticUpdate.run(this, key, change, updateAttempts);
    }

    /** Applies {@code batch} atomically; {@link PreconditionFailedException} (with the check's index) when a check fails. */
    public BatchResult batch(Batch batch) {
        Call write = Call.write("POST", "/kv/batch", batch.body(), Map.of());
        Call call = batch.writes() ? write : new Call("POST", write.path(), write.body(), Map.of(), Call.Resend.ALWAYS);
        AnswerJson answer = Answers.parse(call, transport.expectOk(call));
        List<OpResult> results = new ArrayList<>();
        answer.root().path("results").forEach(r -> results.add(OpResult.of(r, answer)));
        return new BatchResult(results, answer.root().path("revision").asLong());
    }

    // ------------------------------------------------------------------------------------------------ listings

    /** Every key starting with {@code prefix} ("" for all), in one request. */
    public Page<String> listKeys(String prefix) {
        return Pages.keys(transport, prefix, 0, null);
    }

    /** At most {@code limit} (1 to 10000) keys starting with {@code prefix} that sort after {@code after} (null: from the start). */
    public Page<String> listKeys(String prefix, int limit, String after) {
        return Pages.keys(transport, prefix, positive(limit), after);
    }

    /** At most {@code limit} keys with their values and revisions, as they stood at the page's revision. */
    public Page<KeyValue> listValues(String prefix, int limit, String after) {
        return Pages.values(transport, prefix, positive(limit), after);
    }

    /** Every key starting with {@code prefix}, fetched a page at a time as the listing is iterated. */
    public Listing<String> keys(String prefix) {
        return new Listing<>(after -> Pages.keys(transport, prefix, pageSize, after));
    }

    /** Every key starting with {@code prefix} with its value, fetched a page at a time as it is iterated. */
    public Listing<KeyValue> entries(String prefix) {
        return new Listing<>(after -> Pages.values(transport, prefix, pageSize, after));
    }

    private static int positive(int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("a page holds at least one key, not " + limit);
        }
        return limit;
    }

    // ------------------------------------------------------------------------------------------------ watches

    /**
     * Watches every key starting with {@code prefix} ("" for all) from revision {@code fromRevision} on, calling
     * {@code listener} on a thread of the watch's own until the watch is closed. With 0 it starts after the
     * store's revision when this returns (asked before it returns; when no server answers then, the watch asks when
     * it first reaches one), so every change made after this returns is delivered. To follow a prefix completely,
     * list it and watch from the listing's revision + 1.
     */
    public Watch watch(String prefix, long fromRevision, WatchListener listener) {
        return startWatch("prefix=" + UrlText.encode(prefix), fromRevision, listener);
    }

    /** Watches the one key {@code key}, as {@link #watch} watches a prefix. */
    public Watch watchKey(String key, long fromRevision, WatchListener listener) {
        return startWatch("key=" + UrlText.encode(key), fromRevision, listener);
    }

    private Watch startWatch(String selector, long fromRevision, WatchListener listener) {
        long from = fromRevision;
        if (from <= 0) {
            try {
                from = Pages.revisionNow(transport) + 1;
            } catch (UnavailableException e) {
                from = 0; // the watch's thread asks once it reaches a server
            }
        }
        Watch watch = new Watch(transport, selector, from, listener, watchSettings, watchTimer, watches::remove);
        watches.add(watch);
        watch.start();
        return watch;
    }

    // ------------------------------------------------------------------------------------------------ operations

    /** Statistics, backups, compaction and cluster membership: the operator's calls. */
    public KvAdmin admin() {
        return new KvAdmin(transport);
    }

    /** Closes every watch this client opened and stops its threads. */
    @Override
    public void close() {
        for (Watch watch : watches) {
            watch.close();
        }
        watchTimer.shutdownNow();
        httpThreads.shutdownNow();
    }

    private static ThreadFactory daemon(String name) {
        return runnable -> {
            Thread thread = new Thread(runnable, name);
            thread.setDaemon(true);
            return thread;
        };
    }
}
