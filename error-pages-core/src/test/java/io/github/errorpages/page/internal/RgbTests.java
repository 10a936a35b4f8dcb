package io.github.errorpages.page.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

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
}
