package io.github.errorpages.page.internal;

import java.io.IOException;
import java.io.StringReader;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.XMLConstants;
import javax.xml.parsers.ParserConfigurationException;
import javax.xml.parsers.SAXParserFactory;
import org.jspecify.annotations.Nullable;
import org.xml.sax.Attributes;
import org.xml.sax.InputSource;
import org.xml.sax.SAXException;
import org.xml.sax.SAXParseException;
import org.xml.sax.helpers.DefaultHandler;

/**
 * Tells an SVG document a browser can show as an image: well-formed XML whose root element is {@code svg} in the SVG
 * namespace. A browser parses an {@code image/svg+xml} image as XML and shows nothing for anything else (an HTML
 * document, a root {@code svg} without its namespace), so such a logo is refused at startup rather than shown broken
 * on every page. Nothing is loaded while reading: no external DTD (a {@code DOCTYPE} naming SVG 1.1's, as drawing
 * programs write, is left unread) and no external entity. The JDK's own parser reads it, whatever parser an
 * application has on its class path (Xerces refused the settings that keep it from loading anything). A document
 * goes into the page as UTF-8, so its XML declaration may name no other encoding (it would be read by that one).
 * Thread-safe (static methods only).
 */
public final class SvgDocuments {
    /** The namespace of SVG's elements. */
    public static final String SVG_NAMESPACE = "http://www.w3.org/2000/svg";
    /** The encoding an XML declaration names, if any. */
    private static final Pattern DECLARED_ENCODING =
            Pattern.compile("\\A<\\?xml[^>]*?\\sencoding\\s*=\\s*[\"']([^\"']*)[\"']");

    private SvgDocuments() {
    }

    /**
     * @param document the document
     * @return whether it is well-formed XML whose root element is {@code svg} in {@link #SVG_NAMESPACE}, and whose
     *     XML declaration, if it names an encoding, names UTF-8
     */
    public static boolean isSvgImage(String document) {
        Matcher declared = DECLARED_ENCODING.matcher(document);
        if (declared.find() && !declared.group(1).toUpperCase(Locale.ROOT).equals("UTF-8")) {
            return false;
        }
        RootElement root = new RootElement();
        try {
            SAXParserFactory factory = SAXParserFactory.newDefaultInstance();
            factory.setNamespaceAware(true);
            factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            factory.setFeature("http://xml.org/sax/features/external-general-entities", false);
            factory.setFeature("http://xml.org/sax/features/external-parameter-entities", false);
            factory.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
            var parser = factory.newSAXParser();
            parser.setProperty(XMLConstants.ACCESS_EXTERNAL_DTD, "");
            parser.setProperty(XMLConstants.ACCESS_EXTERNAL_SCHEMA, "");
            parser.parse(new InputSource(new StringReader(document)), root);
        } catch (SAXException | IOException | ParserConfigurationException notWellFormedXml) {
            return false;
        }
        return SVG_NAMESPACE.equals(root.namespace) && "svg".equals(root.localName);
    }

    /** Keeps the root element's name; a recoverable error (a well-formedness one) ends the reading as a fatal one. */
    private static final class RootElement extends DefaultHandler {
        private @Nullable String namespace;
        private @Nullable String localName;

        @Override
        public void startElement(String uri, String localName, String qName, Attributes attributes) {
            if (this.localName == null) {
                this.namespace = uri;
                this.localName = localName;
            }
        }

        @Override
        public void error(SAXParseException e) throws SAXException {
            throw e;
        }
    }
}
