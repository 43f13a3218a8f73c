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

    JsonBody number(long n) {
        return raw(Long.toString(n));
    }

    JsonBody bool(boolean b) {
        return raw(b ? "true" : "false");
    }

    ByteBuf done() {
        return buf;
    }
}
