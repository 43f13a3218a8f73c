package kvstore.client;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The client's calls against the real single server: values exact, keys of any shape, TTLs, listings, batches. */
class KvClientServerTest {
    @RegisterExtension
    final OneServer one = new OneServer(builder -> builder.pageSize(2));
    private KvClient client;

    @BeforeEach
    void client() {
        client = one.client();
    }

    @Test
    void shouldReadBackEveryValueExactlyAsWritten() {
        String json = "{\"big\":12345678901234567890123,\"tenth\":0.1,\"huge\":1e400,\"s\":\"é😀\\n\",\"e\":[],\"o\":{}}";
        assertTrue(client.putJson("v", json).created());
        KeyValue read = client.get("v");
        assertEquals(json, read.valueJson(), "the text as written");
        assertEquals(new BigInteger("12345678901234567890123"), read.value().get("big").bigIntegerValue());
        assertEquals(new BigDecimal("1e400"), read.value().get("huge").decimalValue());
        assertEquals(0, new BigDecimal("0.1").compareTo(read.value().get("tenth").decimalValue()));
        assertFalse(client.put("v", read.value()).created(), "a tree written back replaces the key");
        assertEquals(read.value(), client.get("v").value());
        for (String scalar : List.of("\"\"", "null", "true", "-0.5e-3", "[]", "{}")) {
            client.putJson("scalar", scalar);
            assertEquals(scalar, client.get("scalar").valueJson());
        }
    }

    @Test
    void shouldAddressKeysOfAnyShape() {
        List<String> keys = List.of("a/b", "a+b", "a b", "100%", "?x=1#y", ".", "..", "ключ", "😀", "k".repeat(1024));
        for (String key : keys) {
            client.put(key, KvClient.parseJson("1"));
            assertEquals(key, client.get(key).key());
        }
        assertEquals(keys.stream().sorted(KvClientServerTest::utf8Order).collect(Collectors.toList()),
                client.listKeys("").items());
        assertThrows(BadRequestException.class, () -> client.put("k".repeat(1025), KvClient.parseJson("1")));
    }

    private static int utf8Order(String a, String b) {
        return java.util.Arrays.compareUnsigned(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void shouldSayNotFoundForAMissingKeyWithTheServersWords() {
        NotFoundException e = assertThrows(NotFoundException.class, () -> client.get("missing"));
        assertEquals(404, e.status());
        assertEquals("key not found", e.serverError());
        assertTrue(client.find("missing").isEmpty());
        assertThrows(NotFoundException.class, () -> client.delete("missing"));
    }

    @Test
    void shouldExpireAKeyAfterItsTtl() throws Exception {
        client.put("gone", KvClient.parseJson("1"), Duration.ZERO);
        assertTrue(client.find("gone").isEmpty(), "a TTL of 0 expires the key at once");
        client.put("soon", KvClient.parseJson("1"), Duration.ofMillis(300));
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (client.find("soon").isPresent()) {
            assertTrue(System.nanoTime() < deadline, "the key outlived its TTL by far");
            Thread.onSpinWait();
        }
        client.put("kept", KvClient.parseJson("1"), Duration.ofMillis(300));
        client.put("kept", KvClient.parseJson("2"));
        assertEquals("2", client.get("kept").valueJson(), "a PUT without ttl removes the TTL");
    }

    @Test
    void shouldListWholePagedAndLazily() {
        IntStream.range(0, 5).forEach(i -> client.put("p/" + i, KvClient.parseJson(String.valueOf(i))));
        client.put("q", KvClient.parseJson("0"));
        assertEquals(List.of("p/0", "p/1", "p/2", "p/3", "p/4"), client.listKeys("p/").items());
        Page<String> first = client.listKeys("p/", 2, null);
        assertEquals(List.of("p/0", "p/1"), first.items());
        assertEquals("p/1", first.next());
        Page<String> last = client.listKeys("p/", 2, "p/3");
        assertEquals(List.of("p/4"), last.items());
        assertFalse(last.hasMore());
        assertEquals(List.of("p/0", "p/1", "p/2", "p/3", "p/4"), client.keys("p/").stream().collect(Collectors.toList()),
                "pages of two, fetched as the stream goes");
        assertEquals(6, client.keys("").stream().count());
    }

    @Test
    void shouldApplyABatchAndReportEachResult() {
        client.put("b/old", KvClient.parseJson("1"));
        BatchResult result = client.batch(new Batch().setJson("b/new", "[1,2]").get("b/new").delete("b/old")
                .delete("b/missing").get("b/old"));
        assertTrue(result.get(0).created());
        assertEquals("[1,2]", result.get(1).keyValue().orElseThrow().valueJson());
        assertTrue(result.get(2).deleted());
        assertFalse(result.get(3).deleted());
        assertFalse(result.get(4).found());
        BadRequestException bad = assertThrows(BadRequestException.class,
                () -> client.batch(new Batch().set("ok", KvClient.parseJson("1")).setJson("x".repeat(1025), "1")));
        assertEquals(1, bad.index());
        assertTrue(client.find("ok").isEmpty(), "a refused batch writes nothing");
    }

    @Test
    void shouldStreamABackupAndStartACompaction() {
        client.put("kept", KvClient.parseJson("{\"a\":1}"));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        long bytes = client.admin().backup(out);
        assertEquals(out.size(), bytes);
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("\"key\":\"kept\""), out.toString(StandardCharsets.UTF_8));
        client.admin().compact();
        JsonNode stats = client.admin().stats();
        assertEquals(1, stats.get("keys").asInt());
        assertThrows(NotFoundException.class, () -> client.admin().clusterStatus(), "a single server has no /cluster");
    }

    @Test
    void shouldCarryTheServersRefusalOfABodyOverItsLimit() {
        KvException tooBig = assertThrows(KvException.class,
                () -> client.putJson("big", "\"" + "x".repeat(1 << 20) + "\""));
        assertEquals(413, tooBig.status());
    }
}
