package kvstore.client;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SseParserTest {
    private static List<SseEvent> parse(String... lines) {
        SseParser parser = new SseParser();
        List<SseEvent> events = new ArrayList<>();
        for (String line : lines) {
            SseEvent event = parser.line(line);
            if (event != null) {
                events.add(event);
            }
        }
        return events;
    }

    @Test
    void shouldReadTheServersEventShape() {
        assertEquals(List.of(new SseEvent("7", "put", "{\"type\":\"put\",\"key\":\"a\",\"revision\":7}")),
                parse("id: 7", "event: put", "data: {\"type\":\"put\",\"key\":\"a\",\"revision\":7}", ""));
    }

    @Test
    void shouldJoinDataLinesAndDropOnlyOneSpaceAfterTheColon() {
        assertEquals(List.of(new SseEvent(null, "message", "one\n  two\nthree")),
                parse("data: one", "data:   two", "data:three", ""));
    }

    @Test
    void shouldSkipCommentsRetryAndUnknownFieldsAndEventsWithoutData() {
        assertEquals(List.of(new SseEvent("2", "progress", "{}")),
                parse(": keep-alive", "retry: 100", "id: 1", "event: put", "", "colour: blue", "id: 2",
                        "event: progress", "data: {}", ""));
    }

    @Test
    void shouldNotDispatchAnEventBeforeItsBlankLine() {
        assertEquals(List.of(), parse("id: 3", "event: delete", "data: {}"));
    }

    @Test
    void shouldTakeAFieldWithoutColonAsEmptyAndIgnoreAnIdWithNul() {
        assertEquals(List.of(new SseEvent(null, "message", "")), parse("data", "id: a\0b", ""));
    }
}
