package kvstore.netty.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import kvstore.core.json.JsonStrings;

import java.nio.charset.StandardCharsets;

/** Builds a JSON response body directly in a pooled buffer; values are copied in as the stored text. */
final class JsonBody {
    private final ByteBuf buf;

    JsonBody(ByteBufAllocator alloc, int sizeHint) {
        this.buf = alloc.buffer(sizeHint);
    }

    /** Appends ASCII punctuation and member names as they are. */
    JsonBody raw(String ascii) {
        buf.writeCharSequence(ascii, StandardCharsets.US_ASCII);
        return this;
    }

    /** Appends JSON text held as UTF-8 bytes (a stored value). */
    JsonBody json(byte[] utf8) {
        buf.writeBytes(utf8);
        return this;
    }

    /** Appends ASCII text prepared once (member names, punctuation). */
    JsonBody raw(byte[] ascii) {
        buf.writeBytes(ascii);
        return this;
    }

    /** Appends UTF-8 bytes as a quoted JSON string. */
    JsonBody string(byte[] utf8) {
        if (JsonStrings.quotedLength(utf8) == utf8.length + 2) {
            buf.ensureWritable(utf8.length + 2);
            buf.writeByte('"').writeBytes(utf8).writeByte('"');
        } else {
            buf.writeBytes(JsonStrings.quote(utf8));
        }
        return this;
    }

    /** Appends text as a quoted JSON string. */
    JsonBody string(String text) {
        return string(text.getBytes(StandardCharsets.UTF_8));
    }

    /** Appends a whole number, digit by digit: no string is made for it. */
    JsonBody number(long n) {
        if (n < 0) {
            return n == Long.MIN_VALUE ? raw(Long.toString(n)) : raw("-").number(-n);
        }
        int digits = 1;
        for (long rest = n / 10; rest > 0; rest /= 10) {
            digits++;
        }
        buf.ensureWritable(digits);
        int at = buf.writerIndex();
        for (int i = at + digits - 1; i >= at; i--) {
            buf.setByte(i, (byte) ('0' + n % 10));
            n /= 10;
        }
        buf.writerIndex(at + digits);
        return this;
    }

    /** Appends a duration of {@code millis} (0 or more) as decimal seconds: 1500 as 1.5, 1000 as 1, 1 as 0.001. */
    JsonBody seconds(long millis) {
        number(millis / 1000);
        int fraction = (int) (millis % 1000);
        if (fraction != 0) {
            raw(".");
            int digits = fraction < 10 ? 3 : fraction < 100 ? 2 : 1;
            for (int i = 1; i < digits; i++) {
                raw("0");
            }
            while (fraction % 10 == 0) {
                fraction /= 10;
            }
            number(fraction);
        }
        return this;
    }

    JsonBody bool(boolean b) {
        return raw(b ? "true" : "false");
    }

    ByteBuf done() {
        return buf;
    }
}
