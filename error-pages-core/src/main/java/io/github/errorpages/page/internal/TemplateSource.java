package io.github.errorpages.page.internal;

import io.github.errorpages.internal.ConfigurationErrors;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.jspecify.annotations.Nullable;

/**
 * One folder that templates are read from: a class-path folder or a file-system folder, never a URL
 * (mustache.java's default resolver would also try the working directory and any URL). Names are relative
 * to the folder; a name that would leave it ({@code ..}, an absolute path) is not found.
 *
 * <p>Every template is decoded as UTF-8, strictly and from either kind of folder: a file that is not valid
 * UTF-8 cannot be read (a broken template), rather than turned into replacement characters. Its line endings
 * are made LF: CRLF and a lone CR become LF, as a browser does before it hashes an inline {@code <style>} or
 * {@code <script>} (the hashes of the {@code Content-Security-Policy} must match what the browser computes),
 * and a leading byte order mark is dropped (it would otherwise be sent as the first bytes of the body, which
 * RFC 8259 §8.1 forbids for JSON). A file of more than {@value #MAX_BYTES} bytes cannot be read either (a broken
 * template): at most one byte more is read, nothing of it kept, and only a file-system file's size is known (a stream
 * may never end: a class-path name on the file system may be a FIFO or a link to {@code /dev/zero}).
 *
 * <p>Instances are immutable and thread-safe.
 */
public abstract sealed class TemplateSource {

    /**
     * The most bytes a template file may have: 1 MiB of UTF-8. A self-contained branded page needs tens of kilobytes
     * (the built-in layout and page have 11 KiB, and {@code branding.logo} adds at most 16 KiB); one that inlines
     * its own logo or illustration as a {@code data:} URI (the only images its {@code Content-Security-Policy}
     * allows), a few hundred kilobytes of base64 at worst, still fits. No page that a client downloads whole with
     * every error needs more. Without a limit a 16 MB template took 16 s of the start with {@code templates.strict},
     * and every error page it rendered was that big.
     */
    public static final int MAX_BYTES = 1024 * 1024;

    private TemplateSource() {
    }

    /**
     * @param loader the class loader to read through
     * @param folder the resource folder, e.g. {@code io/github/errorpages/templates}
     * @return the source
     */
    public static TemplateSource classpath(ClassLoader loader, String folder) {
        return new Classpath(loader, folder);
    }

    /**
     * @param root the folder
     * @return the source
     */
    public static TemplateSource directory(Path root) {
        return new Directory(root.toAbsolutePath().normalize());
    }

    /**
     * @param name a template file name relative to the folder, e.g. {@code 502.html.mustache}
     * @return the template text with LF line endings and without a byte order mark, or {@code null} when the
     *     folder has no such file
     * @throws UncheckedIOException if the file exists but cannot be read, is larger than {@value #MAX_BYTES}
     *     bytes, or is not valid UTF-8
     */
    public @Nullable String read(String name) {
        if (!isSafeName(name)) {
            return null;
        }
        try {
            byte[] bytes = bytes(name);
            return bytes == null ? null
                    : normalised(StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString());
        } catch (CharacterCodingException e) {
            throw new UncheckedIOException("template " + describe() + name + " is not valid UTF-8", e);
        } catch (TooLarge e) {
            String size = e.size == TooLarge.UNKNOWN ? " has more than the " + MAX_BYTES + " bytes (1 MiB)"
                    : " is " + e.size + " bytes, more than the " + MAX_BYTES + " (1 MiB)";
            throw new UncheckedIOException("template " + describe() + name + size + " a template may have", e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read template " + describe() + name, e);
        }
    }

    /**
     * @param name a template file name
     * @return whether the folder has such a file; the file is not read
     */
    public boolean contains(String name) {
        return isSafeName(name) && has(name);
    }

    /**
     * The bytes of a file with a safe name, or {@code null} when there is none.
     *
     * @throws TooLarge if it has more than {@link #MAX_BYTES}
     */
    abstract byte @Nullable [] bytes(String name) throws IOException;

    /** Whether there is a file with that safe name. */
    abstract boolean has(String name);

    /**
     * Reads a template file whole, unless it has more than {@link #MAX_BYTES}: then reads no more than one byte more,
     * and leaves the rest unread and uncounted, for a stream may never end (a FIFO, {@code /dev/zero}, a file that
     * grows).
     */
    private static byte[] bounded(InputStream in) throws IOException {
        byte[] bytes = in.readNBytes(MAX_BYTES + 1);
        if (bytes.length > MAX_BYTES) {
            throw new TooLarge(TooLarge.UNKNOWN);
        }
        return bytes;
    }

    /**
     * @param name a template file name
     * @return a reader of the template, or {@code null} when the folder has no such file
     */
    public @Nullable Reader open(String name) {
        String text = read(name);
        return text == null ? null : new StringReader(text);
    }

    /**
     * @return where the folder is, for log lines and error messages
     */
    public abstract String describe();

    /**
     * @return whether the folder exists; for a class-path folder, whether the class loader has a resource for
     *     it, which a jar without directory entries does not have even when it has files in the folder
     */
    public abstract boolean exists();

    static boolean isSafeName(String name) {
        return !name.isEmpty() && !name.startsWith("/") && !name.contains("\\") && !name.contains(":")
                && !("/" + name + "/").contains("/../") && !("/" + name + "/").contains("/./");
    }

    /** A template file larger than {@link TemplateSource#MAX_BYTES}. */
    static final class TooLarge extends IOException {
        private static final long serialVersionUID = 1L;

        /** The {@link #size} of a file read only to one byte past the limit. */
        static final long UNKNOWN = -1;

        /** The file's size in bytes, or {@link #UNKNOWN}. */
        final long size;

        TooLarge(long size) {
            super(size == UNKNOWN ? "template of more than " + MAX_BYTES + " bytes" : "template of " + size + " bytes");
            this.size = size;
        }
    }

    private static String normalised(String text) {
        String withoutBom = text.startsWith("\uFEFF") ? text.substring(1) : text;
        return withoutBom.indexOf('\r') < 0 ? withoutBom : withoutBom.replace("\r\n", "\n").replace('\r', '\n');
    }

    private static final class Classpath extends TemplateSource {
        private final ClassLoader loader;
        private final String folder;

        Classpath(ClassLoader loader, String folder) {
            this.loader = loader;
            this.folder = folder.endsWith("/") ? folder : folder + "/";
        }

        @Override
        byte @Nullable [] bytes(String name) throws IOException {
            // Through the loader, not getResource(...).openStream(): a jar: URL opened on its own goes into the
            // JVM's cache of jar files, which closing the loader at an undeploy does not close. The jar then stayed
            // open (locked on Windows), and a redeploy that replaced it was served the old template from the cache.
            try (InputStream in = loader.getResourceAsStream(folder + name)) {
                return in == null ? null : bounded(in);
            }
        }

        @Override
        boolean has(String name) {
            return loader.getResource(folder + name) != null;
        }

        @Override
        public boolean exists() {
            return loader.getResource(folder) != null;
        }

        @Override
        public String describe() {
            return "classpath:" + folder;
        }
    }

    private static final class Directory extends TemplateSource {
        private final Path root;

        Directory(Path root) {
            this.root = root;
        }

        @Override
        byte @Nullable [] bytes(String name) throws IOException {
            Path file = file(name);
            if (file == null) {
                return null;
            }
            long size = Files.size(file);
            if (size > MAX_BYTES) {
                throw new TooLarge(size); // not read: a file may be gigabytes
            }
            try (InputStream in = Files.newInputStream(file)) {
                return bounded(in); // it may have grown since, or be one whose size is 0 (in /proc)
            }
        }

        @Override
        boolean has(String name) {
            return file(name) != null;
        }

        @Override
        public boolean exists() {
            return Files.isDirectory(root);
        }

        private @Nullable Path file(String name) {
            Path file = root.resolve(name).normalize();
            return file.startsWith(root) && Files.isRegularFile(file) ? file : null;
        }

        @Override
        public String describe() {
            // On one line, as a missing folder is named: the folder's name may hold a line feed, and every start
            // logs where its templates come from (and a broken one's WARN, or templates.strict's refusal, names it).
            return ConfigurationErrors.oneLine(root + "/");
        }
    }
}
