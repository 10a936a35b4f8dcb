package io.github.errorpages.page;

import io.github.errorpages.internal.ConfigurationErrors;
import io.github.errorpages.internal.OversizedPorts;
import io.github.errorpages.internal.UserInfo;
import io.github.errorpages.page.internal.Palette;
import io.github.errorpages.page.internal.Rgb;
import io.github.errorpages.page.internal.SvgDocuments;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * How the error pages look like the site they stand in for: its name, logo, colours and the links a user
 * needs when something is down (home, support, status page).
 *
 * <p>Every setting has a configuration key (given in each builder method's javadoc, e.g.
 * {@code branding.primary-color}), used in servlet init-parameters (and, prefixed with {@code error-pages.},
 * in servlet context parameters and the planned Spring Boot starter's properties).
 * Validation messages name the key and the rejected value.
 *
 * <p><b>Colours.</b> Each colour scheme (light, and dark for {@code prefers-color-scheme: dark}) has a text,
 * a background and a primary colour, written {@code #rgb} or {@code #rrggbb}. Text and primary colour are
 * both drawn on the background (body text, links, and the primary button, whose label is the background
 * colour), so {@link Builder#build()} rejects a scheme in which either pair has a contrast below 4.5:1
 * (WCAG 2.2 SC 1.4.3, standards R50). Every other colour of the page is derived and keeps that contrast.
 *
 * <p><b>Links.</b> URLs are either absolute {@code http}/{@code https} URLs (without user info, with a port from 1
 * to 65535 if any) or paths on this site ({@code /help}); nothing else (no {@code javascript:}, no {@code //host}) is
 * accepted.
 *
 * <p>Instances are immutable and thread-safe. {@link Builder} is not thread-safe.
 *
 * @since 0.1.0
 */
public final class Branding {

    /** Default light-scheme text colour. */
    public static final String DEFAULT_TEXT_COLOR = "#1d2129";
    /** Default light-scheme background colour. */
    public static final String DEFAULT_BACKGROUND_COLOR = "#ffffff";
    /** Default light-scheme primary colour (links, primary button). */
    public static final String DEFAULT_PRIMARY_COLOR = "#1f5fd1";
    /** Default dark-scheme text colour. */
    public static final String DEFAULT_DARK_TEXT_COLOR = "#e7e9ee";
    /** Default dark-scheme background colour. */
    public static final String DEFAULT_DARK_BACKGROUND_COLOR = "#181b21";
    /** Default dark-scheme primary colour. */
    public static final String DEFAULT_DARK_PRIMARY_COLOR = "#8fb5ff";
    /** Default home URL: the root of the site. */
    public static final String DEFAULT_HOME_URL = "/";
    /** The largest logo accepted, in characters of its {@code data:} URI: a logo must not swamp the page. */
    public static final int MAX_LOGO_LENGTH = 16 * 1024;

    private static final String SVG_DATA_URI = "data:image/svg+xml;base64,";
    private static final Pattern DATA_URI_IMAGE =
            Pattern.compile("data:image/(?:png|gif|jpeg|webp|svg\\+xml);base64,[A-Za-z0-9+/]+={0,2}");
    private static final Pattern EMAIL = Pattern.compile("[A-Za-z0-9._+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\\.[A-Za-z0-9-]{1,63})+");
    private static final int MAX_URL_LENGTH = 2048;
    private static final int MAX_SITE_NAME_LENGTH = 100;

    private static final Branding DEFAULTS = builder().build();

    private final String siteName;
    private final @Nullable String logo;
    private final String homeUrl;
    private final @Nullable String supportUrl;
    private final @Nullable String supportEmail;
    private final @Nullable String statusPageUrl;
    private final String[] colors;

    private Branding(Builder b) {
        this.siteName = b.siteName;
        this.logo = b.logo;
        this.homeUrl = b.homeUrl;
        this.supportUrl = b.supportUrl;
        this.supportEmail = b.supportEmail;
        this.statusPageUrl = b.statusPageUrl;
        this.colors = b.colors.clone();
    }

    /**
     * @return the built-in look: no site name, no logo, home at {@code /}, the default colours
     */
    public static Branding ofDefaults() {
        return DEFAULTS;
    }

    /**
     * @return a new builder holding the defaults; not thread-safe
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * @return a new builder holding this branding's values
     */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /**
     * @return the site's name as users know it, e.g. {@code Acme}; empty when not set
     */
    public String siteName() {
        return siteName;
    }

    /**
     * @return the logo as a {@code data:} URI (an inline SVG is converted to one), or empty
     */
    public Optional<String> logo() {
        return Optional.ofNullable(logo);
    }

    /**
     * @return where "Go to the homepage" leads
     */
    public String homeUrl() {
        return homeUrl;
    }

    /**
     * @return where users ask for help, or empty
     */
    public Optional<String> supportUrl() {
        return Optional.ofNullable(supportUrl);
    }

    /**
     * @return the support e-mail address, or empty
     */
    public Optional<String> supportEmail() {
        return Optional.ofNullable(supportEmail);
    }

    /**
     * @return the status page, or empty
     */
    public Optional<String> statusPageUrl() {
        return Optional.ofNullable(statusPageUrl);
    }

    /**
     * @return the light-scheme text colour, {@code #rgb} or {@code #rrggbb}
     */
    public String textColor() {
        return colors[0];
    }

    /**
     * @return the light-scheme background colour
     */
    public String backgroundColor() {
        return colors[1];
    }

    /**
     * @return the light-scheme primary colour
     */
    public String primaryColor() {
        return colors[2];
    }

    /**
     * @return the dark-scheme text colour
     */
    public String darkTextColor() {
        return colors[3];
    }

    /**
     * @return the dark-scheme background colour
     */
    public String darkBackgroundColor() {
        return colors[4];
    }

    /**
     * @return the dark-scheme primary colour
     */
    public String darkPrimaryColor() {
        return colors[5];
    }

    @Override
    public String toString() {
        return "Branding{siteName=" + siteName + ", logo=" + (logo == null ? "none" : logo.length() + " chars")
                + ", homeUrl=" + homeUrl + ", supportUrl=" + supportUrl + ", supportEmail=" + supportEmail
                + ", statusPageUrl=" + statusPageUrl + ", colors=" + String.join(" ", colors) + '}';
    }

    /**
     * Builds {@link Branding}. Not thread-safe. Each method checks its value at once and throws
     * {@link IllegalArgumentException} naming the configuration key and the rejected value; {@link #build()}
     * checks the contrast of the colours together.
     */
    public static final class Builder {
        private static final String[] COLOR_KEYS = {
            "branding.text-color", "branding.background-color", "branding.primary-color",
            "branding.dark.text-color", "branding.dark.background-color", "branding.dark.primary-color",
        };

        private String siteName = "";
        private @Nullable String logo;
        private String homeUrl = DEFAULT_HOME_URL;
        private @Nullable String supportUrl;
        private @Nullable String supportEmail;
        private @Nullable String statusPageUrl;
        private final String[] colors = {
            DEFAULT_TEXT_COLOR, DEFAULT_BACKGROUND_COLOR, DEFAULT_PRIMARY_COLOR,
            DEFAULT_DARK_TEXT_COLOR, DEFAULT_DARK_BACKGROUND_COLOR, DEFAULT_DARK_PRIMARY_COLOR,
        };

        private Builder() {
        }

        private Builder(Branding branding) {
            siteName = branding.siteName;
            logo = branding.logo;
            homeUrl = branding.homeUrl;
            supportUrl = branding.supportUrl;
            supportEmail = branding.supportEmail;
            statusPageUrl = branding.statusPageUrl;
            System.arraycopy(branding.colors, 0, colors, 0, colors.length);
        }

        /**
         * Sets the site's name (key {@code branding.site-name}): shown in the header, in every page title
         * ("Service temporarily unavailable – Acme", R49) and as the logo's text alternative. Default: none.
         *
         * @param name at most 100 characters (code points: an emoji is one), no control characters (C0, DEL, C1) nor
         *     noncharacters; blank clears it
         * @return this builder
         * @throws IllegalArgumentException if {@code name} is longer or has control characters or noncharacters
         */
        public Builder siteName(String name) {
            Objects.requireNonNull(name, "name");
            String trimmed = name.strip();
            if (characters(trimmed) > MAX_SITE_NAME_LENGTH || hasControlCharacters(trimmed)) {
                throw invalid("branding.site-name", name, "must be at most " + MAX_SITE_NAME_LENGTH
                        + " characters without control characters");
            }
            siteName = trimmed;
            return this;
        }

        /**
         * Sets the logo (key {@code branding.logo}): an inline SVG document ({@code <svg
         * xmlns="http://www.w3.org/2000/svg" ...>...</svg>}, well-formed XML, perhaps with an XML declaration and a
         * {@code DOCTYPE}, none of whose external parts are read) or a
         * {@code data:image/(png|gif|jpeg|webp|svg+xml);base64,...} URI. It is shown as an image (an SVG
         * is converted to a {@code data:} URI, so it cannot run script), 32 px high, with the site name
         * as its text alternative. Nothing is ever loaded from elsewhere: the page must work while the
         * site is down (R42). Default: none.
         *
         * @param svgOrDataUri the logo; {@code null} or blank clears it
         * @return this builder
         * @throws IllegalArgumentException if it is neither form (a document, inline or an SVG {@code data:} URI, that
         *     is not well-formed XML, whose root element is not SVG's {@code svg}, or whose XML declaration names an
         *     encoding other than UTF-8), or longer than {@link #MAX_LOGO_LENGTH}
         *     characters as a {@code data:} URI
         */
        public Builder logo(@Nullable String svgOrDataUri) {
            if (svgOrDataUri == null || svgOrDataUri.isBlank()) {
                logo = null;
                return this;
            }
            // A byte order mark first, as a file read whole gives it, is no part of the document.
            String value = svgOrDataUri.strip().replaceFirst("\\A\uFEFF", "").strip();
            String dataUri;
            if (value.startsWith("<")) {
                checkSvg(value, value);
                dataUri = "data:image/svg+xml;base64," + Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8));
            } else if (DATA_URI_IMAGE.matcher(value).matches()) {
                if (value.startsWith(SVG_DATA_URI)) {
                    // The same document base64-encoded: as much an image a browser shows, or not, as written inline.
                    String document;
                    try {
                        document = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(Base64.getDecoder()
                                .decode(value.substring(SVG_DATA_URI.length())))).toString();
                    } catch (IllegalArgumentException | CharacterCodingException notUtf8) {
                        document = ""; // a length no base64 text has, or bytes that are no UTF-8: no SVG image
                    }
                    checkSvg(document, value);
                }
                dataUri = value;
            } else {
                // Masked as the links are: the value refused here is mostly a logo's URL, which may hold a token.
                throw invalid("branding.logo", UserInfo.masked(value), "must be an inline <svg> or a "
                        + "data:image/(png|gif|jpeg|webp|svg+xml);base64 URI");
            }
            // A data: URI is ASCII (its base64 too), so its length is its count of characters.
            if (dataUri.length() > MAX_LOGO_LENGTH) {
                throw invalid("branding.logo", dataUri.length() + " characters", "must be at most " + MAX_LOGO_LENGTH
                        + " characters as a data: URI");
            }
            logo = dataUri;
            return this;
        }

        private static void checkSvg(String document, String value) {
            if (!SvgDocuments.isSvgImage(document.replaceFirst("\\A\uFEFF", ""))) {
                throw invalid("branding.logo", value, "must be a complete <svg> document: well-formed XML "
                        + "whose root element is svg with xmlns=\"" + SvgDocuments.SVG_NAMESPACE + "\", in UTF-8 (a "
                        + "browser shows nothing else as an image)");
            }
        }

        /**
         * Sets where "Go to the homepage" leads (key {@code branding.home-url}). Default {@code /}.
         *
         * @param url an absolute http(s) URL without user info (a port, if any, from 1 to 65535), or a path starting
         *     with {@code /}
         * @return this builder
         * @throws IllegalArgumentException if {@code url} is neither
         */
        public Builder homeUrl(String url) {
            homeUrl = url("branding.home-url", Objects.requireNonNull(url, "url"));
            return this;
        }

        /**
         * Sets the page where users get help (key {@code branding.support-url}). It is preferred over
         * {@link #supportEmail(String)} when both are set. Default: none.
         *
         * @param url an absolute http(s) URL without user info (a port, if any, from 1 to 65535), or a path starting
         *     with {@code /}; {@code null} or blank clears it
         * @return this builder
         * @throws IllegalArgumentException if {@code url} is neither
         */
        public Builder supportUrl(@Nullable String url) {
            supportUrl = url == null || url.isBlank() ? null : url("branding.support-url", url);
            return this;
        }

        /**
         * Sets the support e-mail address (key {@code branding.support-email}), linked with {@code mailto:}.
         * Default: none.
         *
         * @param email a plain address such as {@code help@example.com}; {@code null} or blank clears it
         * @return this builder
         * @throws IllegalArgumentException if {@code email} is not a plain address
         */
        public Builder supportEmail(@Nullable String email) {
            if (email == null || email.isBlank()) {
                supportEmail = null;
                return this;
            }
            if (!EMAIL.matcher(email.strip()).matches()) {
                throw invalid("branding.support-email", email, "must be a plain e-mail address such as help@example.com");
            }
            supportEmail = email.strip();
            return this;
        }

        /**
         * Sets the status page (key {@code branding.status-page-url}), linked as "Check service status".
         * Host it somewhere that does not fail with this site. Default: none.
         *
         * @param url an absolute http(s) URL without user info (a port, if any, from 1 to 65535), or a path starting
         *     with {@code /}; {@code null} or blank clears it
         * @return this builder
         * @throws IllegalArgumentException if {@code url} is neither
         */
        public Builder statusPageUrl(@Nullable String url) {
            statusPageUrl = url == null || url.isBlank() ? null : url("branding.status-page-url", url);
            return this;
        }

        /**
         * Sets the light-scheme text colour (key {@code branding.text-color}). Default {@value #DEFAULT_TEXT_COLOR}.
         *
         * @param color {@code #rgb} or {@code #rrggbb}
         * @return this builder
         * @throws IllegalArgumentException if {@code color} is in neither form
         */
        public Builder textColor(String color) {
            return color(0, color);
        }

        /**
         * Sets the light-scheme background colour (key {@code branding.background-color}). Default
         * {@value #DEFAULT_BACKGROUND_COLOR}.
         *
         * @param color {@code #rgb} or {@code #rrggbb}
         * @return this builder
         * @throws IllegalArgumentException if {@code color} is in neither form
         */
        public Builder backgroundColor(String color) {
            return color(1, color);
        }

        /**
         * Sets the light-scheme primary colour (key {@code branding.primary-color}): links, the primary
         * button and the focus ring. Default {@value #DEFAULT_PRIMARY_COLOR}.
         *
         * @param color {@code #rgb} or {@code #rrggbb}
         * @return this builder
         * @throws IllegalArgumentException if {@code color} is in neither form
         */
        public Builder primaryColor(String color) {
            return color(2, color);
        }

        /**
         * Sets the dark-scheme text colour (key {@code branding.dark.text-color}). Default
         * {@value #DEFAULT_DARK_TEXT_COLOR}.
         *
         * @param color {@code #rgb} or {@code #rrggbb}
         * @return this builder
         * @throws IllegalArgumentException if {@code color} is in neither form
         */
        public Builder darkTextColor(String color) {
            return color(3, color);
        }

        /**
         * Sets the dark-scheme background colour (key {@code branding.dark.background-color}). Default
         * {@value #DEFAULT_DARK_BACKGROUND_COLOR}.
         *
         * @param color {@code #rgb} or {@code #rrggbb}
         * @return this builder
         * @throws IllegalArgumentException if {@code color} is in neither form
         */
        public Builder darkBackgroundColor(String color) {
            return color(4, color);
        }

        /**
         * Sets the dark-scheme primary colour (key {@code branding.dark.primary-color}). Default
         * {@value #DEFAULT_DARK_PRIMARY_COLOR}.
         *
         * @param color {@code #rgb} or {@code #rrggbb}
         * @return this builder
         * @throws IllegalArgumentException if {@code color} is in neither form
         */
        public Builder darkPrimaryColor(String color) {
            return color(5, color);
        }

        /**
         * Checks the colours of both schemes together and builds the branding.
         *
         * @return the branding
         * @throws IllegalArgumentException if, in either scheme, the text or the primary colour has a contrast
         *     below 4.5:1 with the background (the message names both keys, both values and the ratio), or a
         *     logo is set without a site name to serve as its text alternative
         */
        public Branding build() {
            if (logo != null && siteName.isEmpty()) {
                throw invalid("branding.logo", "a logo without branding.site-name", "needs branding.site-name as its "
                        + "text alternative (WCAG 2.2 SC 1.1.1)");
            }
            for (int scheme = 0; scheme < 6; scheme += 3) {
                requireContrast(scheme, scheme + 1);
                requireContrast(scheme + 2, scheme + 1);
            }
            return new Branding(this);
        }

        private void requireContrast(int foreground, int background) {
            double ratio = Rgb.parse(colors[foreground]).contrast(Rgb.parse(colors[background]));
            if (ratio < Palette.MIN_TEXT_CONTRAST) {
                throw invalid(COLOR_KEYS[foreground], colors[foreground] + String.format(Locale.ROOT, " (%.2f:1)", ratio),
                        "must have a contrast of at least 4.5:1 with " + COLOR_KEYS[background] + " "
                                + colors[background] + " (WCAG 2.2 SC 1.4.3)");
            }
        }

        private Builder color(int index, String color) {
            Objects.requireNonNull(color, "color");
            if (!Rgb.isHex(color.strip())) {
                throw invalid(COLOR_KEYS[index], color, "must be a colour written #rgb or #rrggbb");
            }
            colors[index] = color.strip().toLowerCase(Locale.ROOT);
            return this;
        }

        private static String url(String key, String url) {
            String value = url.strip();
            if (characters(value) > MAX_URL_LENGTH || hasControlCharacters(value) || value.indexOf(' ') >= 0
                    || value.indexOf('\\') >= 0) {
                throw invalid(key, UserInfo.masked(value), "must be an absolute http(s) URL or a path "
                        + "starting with /, "
                        + "at most " + MAX_URL_LENGTH + " characters without spaces");
            }
            if (value.startsWith("/") && !value.startsWith("//")) {
                return value;
            }
            try {
                // A port too long for an int read as one out of range: java.net.URI reads no host then, and such a
                // link was refused as no absolute URL, where :99999 gets the port's own message.
                URI uri = new URI(OversizedPorts.readable(value));
                String scheme = uri.getScheme();
                if (scheme != null && (scheme.equalsIgnoreCase("https") || scheme.equalsIgnoreCase("http"))
                        && uri.getHost() != null && !uri.getHost().isEmpty()) {
                    if (uri.getRawUserInfo() != null) {
                        // Every visitor of an error page would read the user name and password; none in the message.
                        throw invalid(key, UserInfo.masked(value),
                                "must not hold user info (user:password@): the page shows the URL to everyone");
                    }
                    int port = uri.getPort();
                    if (port == 0 || port > 65535) {
                        // java.net.URI takes any number, a browser none of these: above 65535 the link is no URL
                        // (WHATWG URL), and port 0 is one Fetch blocks. Every visitor's link would lead nowhere.
                        throw invalid(key, UserInfo.masked(value), "must have a port from 1 to 65535, if any");
                    }
                    return value;
                }
            } catch (URISyntaxException malformed) {
                // reported below
            }
            throw invalid(key, UserInfo.masked(value),
                    "must be an absolute http(s) URL or a path starting with /");
        }

        /**
         * The characters of a value as the limits count them, and as a reader does: code points. Its
         * {@link String#length()} counts an emoji or a CJK Extension B character twice (a surrogate pair), so 60 emoji
         * were refused as more than 100 characters.
         */
        private static int characters(String value) {
            return value.codePointCount(0, value.length());
        }

        /**
         * Whether the value holds a character no HTML page may carry (HTML's "forbidden code points", which the Nu
         * checker reports): a C0 or C1 control, DEL, a noncharacter ({@code U+FDD0} to {@code U+FDEF}, {@code U+FFFE},
         * {@code U+FFFF} and their like in every plane) or half of a surrogate pair.
         */
        private static boolean hasControlCharacters(String value) {
            for (int i = 0; i < value.length(); i = value.offsetByCodePoints(i, 1)) {
                int c = value.codePointAt(i);
                if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || (c >= 0xfdd0 && c <= 0xfdef) || (c & 0xfffe) == 0xfffe
                        || (c >= Character.MIN_SURROGATE && c <= Character.MAX_SURROGATE)) {
                    return true;
                }
            }
            return false;
        }

        /**
         * The refusal of a value, shown as every configuration message shows one ({@link ConfigurationErrors#shown}):
         * up to 256 characters whole, a longer one cut there with its length. Links and logos were cut at 77 with no
         * length, which hid what was wrong with them: a space near the end of a status page's URL.
         */
        private static IllegalArgumentException invalid(String key, Object value, String rule) {
            return ConfigurationErrors.invalid(key, value, rule);
        }
    }
}
