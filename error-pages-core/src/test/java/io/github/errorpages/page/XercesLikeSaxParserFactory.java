package io.github.errorpages.page;

import javax.xml.parsers.ParserConfigurationException;
import javax.xml.parsers.SAXParser;
import javax.xml.parsers.SAXParserFactory;
import org.xml.sax.SAXNotRecognizedException;
import org.xml.sax.SAXNotSupportedException;

/**
 * A JAXP SAX parser an application could have on its class path, which, as Xerces does, refuses a setting the JDK's
 * own parser takes (here the one that keeps it from loading an external DTD); the JDK's parser does the rest. Named
 * by the {@code javax.xml.parsers.SAXParserFactory} system property, JAXP's lookup finds it.
 */
public final class XercesLikeSaxParserFactory extends SAXParserFactory {
    private final SAXParserFactory jdk = SAXParserFactory.newDefaultInstance();

    @Override
    public SAXParser newSAXParser() throws ParserConfigurationException, org.xml.sax.SAXException {
        jdk.setNamespaceAware(isNamespaceAware());
        return jdk.newSAXParser();
    }

    @Override
    public void setFeature(String name, boolean value) throws ParserConfigurationException,
            SAXNotRecognizedException, SAXNotSupportedException {
        if (name.equals("http://apache.org/xml/features/nonvalidating/load-external-dtd")) {
            throw new SAXNotRecognizedException(name);
        }
        jdk.setFeature(name, value);
    }

    @Override
    public boolean getFeature(String name) throws ParserConfigurationException, SAXNotRecognizedException,
            SAXNotSupportedException {
        return jdk.getFeature(name);
    }
}
