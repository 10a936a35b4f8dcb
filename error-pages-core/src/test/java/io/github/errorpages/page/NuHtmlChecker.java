package io.github.errorpages.page;

import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import nu.validator.validation.SimpleDocumentValidator;
import org.xml.sax.ErrorHandler;
import org.xml.sax.InputSource;
import org.xml.sax.SAXParseException;

/**
 * The Nu HTML Checker (the engine behind validator.w3.org/nu), run in process: HTML, the CSS of
 * {@code <style>} elements, and ARIA. Not thread-safe; one per test class.
 */
final class NuHtmlChecker {

    private final List<String> errors = new ArrayList<>();
    private final List<String> warnings = new ArrayList<>();
    private final SimpleDocumentValidator validator;

    NuHtmlChecker() throws Exception {
        ErrorHandler collector = new ErrorHandler() {
            @Override
            public void warning(SAXParseException e) {
                warnings.add(describe(e));
            }

            @Override
            public void error(SAXParseException e) {
                errors.add(describe(e));
            }

            @Override
            public void fatalError(SAXParseException e) {
                errors.add(describe(e));
            }
        };
        // (log4j initialised, URLs not logged, language detection on: a page whose text is not in its lang is reported)
        validator = new SimpleDocumentValidator(true, false, true);
        validator.setUpMainSchema("http://s.validator.nu/html5-all.rnc", collector);
        validator.setUpValidatorAndParsers(collector, true, false);
    }

    /**
     * @param html a complete document
     * @return the errors, then the warnings, each with its line and column; empty for a valid page
     */
    List<String> check(String html) throws Exception {
        errors.clear();
        warnings.clear();
        InputSource source = new InputSource(new StringReader(html));
        source.setEncoding("UTF-8");
        validator.checkHtmlInputSource(source);
        List<String> all = new ArrayList<>(errors);
        warnings.forEach(warning -> all.add("warning: " + warning));
        return all;
    }

    private static String describe(SAXParseException e) {
        return e.getLineNumber() + ":" + e.getColumnNumber() + " " + e.getMessage();
    }
}
