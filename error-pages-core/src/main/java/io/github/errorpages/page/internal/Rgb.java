package io.github.errorpages.page.internal;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * An sRGB colour and the WCAG 2.2 arithmetic on it: relative luminance, contrast ratio, and mixing.
 * Branding validates configured colours with it (R50) and the palette derives the colours it adds.
 *
 * @param red 0-255
 * @param green 0-255
 * @param blue 0-255
 */
public record Rgb(int red, int green, int blue) {

    private static final Pattern HEX = Pattern.compile("#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})");

    /**
     * @throws IllegalArgumentException if a component is outside [0, 255]
     */
    public Rgb {
        if ((red | green | blue) < 0 || red > 255 || green > 255 || blue > 255) {
            throw new IllegalArgumentException("colour components must be in [0, 255], but were " + red + ", " + green
                    + ", " + blue);
        }
    }

    /**
     * @param value a colour to check
     * @return whether it is written as {@code #rgb} or {@code #rrggbb}, the only forms accepted: they cannot
     *     carry anything but a colour into the page's style sheet
     */
    public static boolean isHex(String value) {
        return HEX.matcher(value).matches();
    }

    /**
     * @param hex {@code #rgb} or {@code #rrggbb}
     * @return the colour
     * @throws IllegalArgumentException if {@code hex} is in neither form
     */
    public static Rgb parse(String hex) {
        if (!isHex(hex)) {
            throw new IllegalArgumentException("not a #rgb or #rrggbb colour: " + hex);
        }
        String digits = hex.substring(1);
        if (digits.length() == 3) {
            StringBuilder doubled = new StringBuilder(6);
            for (char c : digits.toCharArray()) {
                doubled.append(c).append(c);
            }
            digits = doubled.toString();
        }
        int value = Integer.parseInt(digits, 16);
        return new Rgb(value >> 16 & 0xff, value >> 8 & 0xff, value & 0xff);
    }

    /**
     * @return the relative luminance in [0, 1] (WCAG 2.2, "relative luminance")
     */
    public double luminance() {
        return 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue);
    }

    /**
     * @param other the other colour
     * @return the contrast ratio in [1, 21] (WCAG 2.2, "contrast ratio"); symmetric
     */
    public double contrast(Rgb other) {
        double a = luminance();
        double b = other.luminance();
        return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    }

    /**
     * @param other the colour to move towards
     * @param share how far, in [0, 1]: 0 gives this colour, 1 gives {@code other}
     * @return the mix, channel by channel in sRGB
     */
    public Rgb mix(Rgb other, double share) {
        return new Rgb(channel(red, other.red, share), channel(green, other.green, share), channel(blue, other.blue, share));
    }

    /**
     * @return {@code #rrggbb}, lower case
     */
    public String hex() {
        return String.format(Locale.ROOT, "#%02x%02x%02x", red, green, blue);
    }

    @Override
    public String toString() {
        return hex();
    }

    private static int channel(int from, int to, double share) {
        return (int) Math.round(from + (to - from) * share);
    }

    private static double linear(int channel) {
        double c = channel / 255.0;
        return c <= 0.04045 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
    }
}
