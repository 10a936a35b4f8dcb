package io.github.errorpages.page.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.github.errorpages.page.Branding;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RgbTests {

    @Test
    void computesTheWcagContrastRatio() { // R50
        assertThat(Rgb.parse("#000").contrast(Rgb.parse("#fff"))).isCloseTo(21.0, within(1e-9));
        assertThat(Rgb.parse("#777777").contrast(Rgb.parse("#ffffff"))).isCloseTo(4.48, within(0.01));
        assertThat(Rgb.parse("#767676").contrast(Rgb.parse("#ffffff"))).isCloseTo(4.54, within(0.01));
        assertThat(Rgb.parse("#0000ff").contrast(Rgb.parse("#ffffff"))).isCloseTo(8.59, within(0.01));
        assertThat(Rgb.parse("#ABC").hex()).isEqualTo("#aabbcc");
    }

    @Test
    void derivedPalettesKeepTextReadableForAnyAcceptedBranding() { // R50
        Random random = new Random(42);
        int checked = 0;
        while (checked < 500) {
            Rgb text = new Rgb(random.nextInt(256), random.nextInt(256), random.nextInt(256));
            Rgb background = new Rgb(random.nextInt(256), random.nextInt(256), random.nextInt(256));
            Rgb primary = new Rgb(random.nextInt(256), random.nextInt(256), random.nextInt(256));
            if (text.contrast(background) < 4.5 || primary.contrast(background) < 4.5) {
                continue; // branding would reject it
            }
            Palette palette = Palette.derive(text, background, primary);
            assertThat(palette.muted().contrast(palette.background())).isGreaterThanOrEqualTo(4.5);
            assertThat(palette.muted().contrast(palette.canvas())).isGreaterThanOrEqualTo(4.5);
            assertThat(palette.text().contrast(palette.canvas())).isGreaterThanOrEqualTo(4.5);
            assertThat(palette.primary().contrast(palette.canvas())).isGreaterThanOrEqualTo(4.5);
            assertThat(palette.onPrimary().contrast(palette.primary())).isGreaterThanOrEqualTo(4.5);
            checked++;
        }
    }

    /**
     * A mix lands on the nearest channel value: cut off instead, every derived colour went a step towards black (white
     * halfway to black was #7f7f7f, not #808080, and the default page's canvas a shade darker than designed).
     */
    @Test
    void mixesToTheNearestChannelValue() {
        assertThat(Rgb.parse("#ffffff").mix(Rgb.parse("#000000"), 0.5).hex()).isEqualTo("#808080");
        assertThat(Rgb.parse("#000000").mix(Rgb.parse("#ffffff"), 0.5).hex()).isEqualTo("#808080");
        assertThat(Rgb.parse("#ffffff").mix(Rgb.parse("#1d2129"), 0.04).hex()).isEqualTo("#f6f6f6");
        assertThat(Rgb.parse("#123456").mix(Rgb.parse("#abcdef"), 0).hex()).isEqualTo("#123456");
        assertThat(Rgb.parse("#123456").mix(Rgb.parse("#abcdef"), 1).hex()).isEqualTo("#abcdef");
    }

    /**
     * The colours the palette adds to the default branding, which every page without branding shows. The contrast
     * checks above hold for the text colours only: borders and rules, decorative, are a faint shade of the text (a
     * neutral grey on white), and the illustration's fill a faint shade of the primary colour. Borders mixed from the
     * primary colour instead turned every card's outline blue, and no contrast check could tell.
     */
    @Test
    void derivesTheDefaultSchemesColoursAsDesigned() {
        Palette light = Palette.derive(Rgb.parse(Branding.DEFAULT_TEXT_COLOR),
                Rgb.parse(Branding.DEFAULT_BACKGROUND_COLOR), Rgb.parse(Branding.DEFAULT_PRIMARY_COLOR));
        Palette dark = Palette.derive(Rgb.parse(Branding.DEFAULT_DARK_TEXT_COLOR),
                Rgb.parse(Branding.DEFAULT_DARK_BACKGROUND_COLOR), Rgb.parse(Branding.DEFAULT_DARK_PRIMARY_COLOR));

        assertThat(List.of(light.onPrimary(), light.muted(), light.canvas(), light.line(), light.tint()))
                .extracting(Rgb::hex).containsExactly("#ffffff", "#6e7176", "#f6f6f6", "#dfe0e1", "#e4ecf9");
        assertThat(List.of(dark.onPrimary(), dark.muted(), dark.canvas(), dark.line(), dark.tint()))
                .extracting(Rgb::hex).containsExactly("#181b21", "#909298", "#202329", "#35383e", "#262d3c");
    }
}
