package dev.outpost.agent.queue;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * The on-disk record layout, big-endian: magic u16 0x4F51, flags u16 0, payload length u32, seq u64,
 * created epoch-ms i64, CRC32C u32 over the 24 header bytes before it and the payload; then the payload.
 */
final class RecordCodec {
    static final int HEADER = 28;
    static final short MAGIC = 0x4F51;
    /** The largest payload a record can frame, so that header plus payload still fits one array. */
    static final int MAX_PAYLOAD = Integer.MAX_VALUE - 64;

    private static final int CRC_OFFSET = 24;

    private RecordCodec() {
    }

    /** The decoded fixed part of a record; {@code length} is the payload length, read unsigned. */
    record Header(short magic, short flags, long length, long seq, long created, int crc) {
        boolean wellFormed() {
            return magic == MAGIC && flags == 0;
        }

        long recordSize() {
            return HEADER + length;
        }
    }

    /** Header and payload in one buffer, ready to write. */
    static ByteBuffer encode(long seq, long created, byte[] payload) {
        ByteBuffer buf = ByteBuffer.allocate(HEADER + payload.length);
        buf.putShort(MAGIC).putShort((short) 0).putInt(payload.length).putLong(seq).putLong(created);
        buf.putInt(crc(buf.array(), 0, payload, 0, payload.length));
        buf.put(payload).flip();
        return buf;
    }

    /** Reads a header from the first {@link #HEADER} bytes of {@code buf} at its position, without moving it. */
    static Header header(ByteBuffer buf) {
        int p = buf.position();
        return new Header(buf.getShort(p), buf.getShort(p + 2), Integer.toUnsignedLong(buf.getInt(p + 4)),
                buf.getLong(p + 8), buf.getLong(p + 16), buf.getInt(p + CRC_OFFSET));
    }

    /** True if {@code record} (a whole record from index 0 of its array) carries the checksum of its content. */
    static boolean checksumMatches(byte[] record, int length) {
        int stored = ByteBuffer.wrap(record, CRC_OFFSET, 4).getInt();
        return stored == crc(record, 0, record, HEADER, length - HEADER);
    }

    /** True if {@code bytes} at {@code offset} start like a record: the magic and zero flags. */
    static boolean startsRecord(byte[] bytes, int offset) {
        ByteBuffer b = ByteBuffer.wrap(bytes, offset, 4);
        return b.getShort() == MAGIC && b.getShort() == 0;
    }

    private static int crc(byte[] header, int headerOffset, byte[] payload, int payloadOffset, int payloadLength) {
        CRC32C crc = new CRC32C();
        crc.update(header, headerOffset, CRC_OFFSET);
        crc.update(payload, payloadOffset, payloadLength);
        return (int) crc.getValue();
    }
}
