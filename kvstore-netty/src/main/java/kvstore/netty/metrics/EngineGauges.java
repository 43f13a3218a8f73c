package kvstore.netty.metrics;

import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;
import kvstore.core.Engine;

import java.util.function.Supplier;
import java.util.function.ToLongFunction;

/**
 * The figures of {@code GET /stats} as metrics, read from the engine's {@link Engine#stats()} when scraped, so that
 * nothing is recorded for them on any hot path.
 */
final class EngineGauges {
    private EngineGauges() {
    }

    static void register(PrometheusRegistry registry, Supplier<Engine.Stats> engine) {
        gauge(registry, engine, "kvstore_keys", "Live keys.", null, Engine.Stats::keys);
        gauge(registry, engine, "kvstore_value_bytes", "Bytes of the live values' compact JSON text.", Unit.BYTES,
                Engine.Stats::valueBytes);
        gauge(registry, engine, "kvstore_memory_bytes", "Estimated heap bytes of the data set (what --max-memory bounds).",
                Unit.BYTES, Engine.Stats::memoryBytes);
        gauge(registry, engine, "kvstore_max_memory_bytes", "The memory ceiling on the data set (--max-memory).",
                Unit.BYTES, Engine.Stats::maxMemoryBytes);
        gauge(registry, engine, "kvstore_wal_size_bytes", "Size of the write-ahead log.", Unit.BYTES,
                Engine.Stats::logBytes);
        counter(registry, engine, "kvstore_wal_fsyncs_total", "Fsyncs of the write-ahead log since start.",
                Engine.Stats::logSyncs);
        counter(registry, engine, "kvstore_compactions_total", "Compactions of the log finished since start.",
                Engine.Stats::compactions);
    }

    private static void gauge(PrometheusRegistry registry, Supplier<Engine.Stats> engine, String name, String help, Unit unit,
                              ToLongFunction<Engine.Stats> figure) {
        GaugeWithCallback.Builder builder = GaugeWithCallback.builder().name(name).help(help)
                .callback(callback -> callback.call(figure.applyAsLong(engine.get())));
        if (unit != null) {
            builder.unit(unit);
        }
        builder.register(registry);
    }

    private static void counter(PrometheusRegistry registry, Supplier<Engine.Stats> engine, String name, String help,
                                ToLongFunction<Engine.Stats> figure) {
        CounterWithCallback.builder().name(name).help(help)
                .callback(callback -> callback.call(figure.applyAsLong(engine.get())))
                .register(registry);
    }
}
