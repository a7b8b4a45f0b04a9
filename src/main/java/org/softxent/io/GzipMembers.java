package org.softxent.io;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;
import java.util.zip.ZipException;

/**
 * The text of a gzip file of one member or several (`cat a.gz b.gz`, pigz, bgzip), each member's
 * CRC-32 and length checked (and its header's CRC-16 where it has one), and nothing after the
 * last but zero bytes (the padding some tools write; zeros between members are skipped, as Python's
 * gzip module skips them). {@link java.util.zip.GZIPInputStream} ends at a member followed by anything else — a
 * member whose header is cut or damaged — as if the file ended there: a damaged file of two members
 * read as its first, every later row lost without a word (a hostile trial's finding). Here that is
 * a {@link ZipException}, as gzip -t and Python's gzip module say.
 */
final class GzipMembers extends InputStream {
    private static final int FHCRC = 2;
    private static final int FEXTRA = 4;
    private static final int FNAME = 8;
    private static final int FCOMMENT = 16;

    private final InputStream in;
    private final Inflater inflater = new Inflater(true);
    private final CRC32 crc = new CRC32();
    private final byte[] buffer = new byte[1 << 16];
    /** The compressed bytes read into buffer: [position, limit) not yet used. */
    private int position;
    private int limit;
    /** Bytes of the current member so far (its trailer holds this modulo 2³²). */
    private long size;
    private int members;
    private boolean done;
    private final byte[] one = new byte[1];

    /** Reads the first member's header; in is read from its first byte. */
    GzipMembers(InputStream in) throws IOException {
        this.in = in;
        try {
            header();
        } catch (IOException | RuntimeException e) {
            inflater.end();
            throw e;
        }
    }

    @Override
    public int read() throws IOException {
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        java.util.Objects.checkFromIndexSize(off, len, b.length);
        if (len == 0) {
            return 0;
        }
        while (!done) {
            if (inflater.needsInput()) {
                if (!fill()) {
                    throw new EOFException("the file ends inside member " + members + " of the gzip stream");
                }
                inflater.setInput(buffer, position, limit - position);
            }
            int n;
            try {
                n = inflater.inflate(b, off, len);
            } catch (DataFormatException e) {
                throw new ZipException("member " + members + " of the gzip stream is damaged: " + e.getMessage());
            }
            position = limit - inflater.getRemaining();
            if (n > 0) {
                crc.update(b, off, n);
                size += n;
                return n;
            }
            if (inflater.finished()) {
                trailer();
                next();
            } else if (inflater.needsDictionary()) {
                throw new ZipException("member " + members + " of the gzip stream asks for a dictionary: not gzip");
            }
        }
        return -1;
    }

    /** Refills buffer when it is used up; false at the end of the file. */
    private boolean fill() throws IOException {
        if (position < limit) {
            return true;
        }
        int n = in.read(buffer, 0, buffer.length);
        if (n <= 0) {
            return false;
        }
        position = 0;
        limit = n;
        return true;
    }

    private int readByte() throws IOException {
        if (!fill()) {
            throw new EOFException("the file ends inside the header or trailer of member " + members
                    + " of the gzip stream");
        }
        int b = buffer[position++] & 0xff;
        if (inHeader) {
            headerCrc.update(b);
        }
        return b;
    }

    /** While a header is read: its bytes, for the CRC-16 a header may end with (FHCRC). */
    private boolean inHeader;
    private final CRC32 headerCrc = new CRC32();

    private int readShort() throws IOException {
        return readByte() | readByte() << 8;
    }

    private long readInt() throws IOException {
        return (readShort() | (long) readShort() << 16) & 0xffffffffL;
    }

    /** A member's header (RFC 1952 §2.3), its magic bytes included. */
    private void header() throws IOException {
        members++;
        headerCrc.reset();
        inHeader = true;
        if (readByte() != 0x1f || readByte() != 0x8b) {
            throw new ZipException(members == 1 ? "not a gzip stream"
                    : "bytes after member " + (members - 1) + " of the gzip stream begin no other member");
        }
        if (readByte() != 8) {
            throw new ZipException("member " + members + " of the gzip stream uses a compression other than deflate");
        }
        int flags = readByte();
        if ((flags & 0xe0) != 0) {
            throw new ZipException("member " + members + " of the gzip stream has reserved flags set: damaged");
        }
        for (int i = 0; i < 6; i++) { // time, extra flags, operating system
            readByte();
        }
        if ((flags & FEXTRA) != 0) {
            int extra = readShort();
            for (int i = 0; i < extra; i++) {
                readByte();
            }
        }
        if ((flags & FNAME) != 0) {
            while (readByte() != 0) {
                // the file name, zero-terminated
            }
        }
        if ((flags & FCOMMENT) != 0) {
            while (readByte() != 0) {
                // the comment, zero-terminated
            }
        }
        inHeader = false;
        if ((flags & FHCRC) != 0 && readShort() != (int) (headerCrc.getValue() & 0xffff)) {
            throw new ZipException("member " + members + " of the gzip stream fails its header's CRC-16 check: "
                    + "damaged");
        }
        inflater.reset();
        crc.reset();
        size = 0;
    }

    /** The member's trailer: its CRC-32 and its length modulo 2³², checked. */
    private void trailer() throws IOException {
        long expectedCrc = readInt();
        long expectedSize = readInt();
        if (expectedCrc != crc.getValue()) {
            throw new ZipException("member " + members + " of the gzip stream fails its CRC-32 check: damaged");
        }
        if (expectedSize != (size & 0xffffffffL)) {
            throw new ZipException("member " + members + " of the gzip stream is not the length its trailer says: "
                    + "damaged");
        }
    }

    /** After a member: the end of the file (zero bytes of padding allowed), or another member. */
    private void next() throws IOException {
        while (fill()) {
            if (buffer[position] != 0) {
                header();
                return;
            }
            position++;
        }
        done = true;
    }

    @Override
    public void close() throws IOException {
        inflater.end();
        in.close();
    }
}
