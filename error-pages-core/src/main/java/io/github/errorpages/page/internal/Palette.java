package io.github.errorpages.page.internal;

/**
 * The colours of one colour scheme (light or dark) of the built-in pages: the three that branding sets
 * (text, background, primary) and those derived from them. Every colour that text is drawn in keeps a
 * contrast of at least 4.5:1 with every colour it is drawn on (R50): branding checks the configured
 * pairs, and the derivation here only ever gives up subtlety, never contrast.
 *
 * @param text body text
 * @param background the surface of the card that holds the message
 * @param primary links, the primary button's fill and the focus ring
 * @param onPrimary the primary button's label (the background colour, which branding checks against primary)
 * @param muted secondary text, on both background and canvas
 * @param canvas the page around the card: a shade of the background, or the background itself when a
 *     shade would cost contrast
 * @param line borders and rules (decorative)
 * @param tint the soft fill of the illustration (decorative)
 */
public record Palette(Rgb text, Rgb background, Rgb primary, Rgb onPrimary, Rgb muted, Rgb canvas, Rgb line, Rgb tint) {

    /** WCAG 2.2 SC 1.4.3 (AA) for normal text. */
    public static final double MIN_TEXT_CONTRAST = 4.5;

    /**
     * Derives a palette from the three configured colours.
     *
     * @param text body text, already checked against background
     * @param background the surface, already checked against text and primary
     * @param primary links and the primary button, already checked against background
     * @return the palette
     */
    public static Palette derive(Rgb text, Rgb background, Rgb primary) {
        Rgb canvas = background.mix(text, 0.04);
        if (canvas.contrast(text) < MIN_TEXT_CONTRAST || canvas.contrast(primary) < MIN_TEXT_CONTRAST) {
            canvas = background;
        }
        Rgb muted = text;
        for (double share = 0.42; share > 0; share -= 0.02) {
            Rgb candidate = text.mix(background, share);
            if (candidate.contrast(background) >= MIN_TEXT_CONTRAST && candidate.contrast(canvas) >= MIN_TEXT_CONTRAST) {
                muted = candidate;
                break;
            }
        }
        return new Palette(text, background, primary, background, muted, canvas, background.mix(text, 0.14),
                background.mix(primary, 0.12));
    }
}
