package io.github.errorpages.page.internal;

import com.github.mustachejava.DefaultMustacheFactory;
import com.github.mustachejava.DefaultMustacheVisitor;
import com.github.mustachejava.MustacheException;
import com.github.mustachejava.MustacheVisitor;
import com.github.mustachejava.TemplateContext;
import com.github.mustachejava.codes.ValueCode;
import com.github.mustachejava.reflect.SimpleObjectHandler;
import io.github.errorpages.page.PageFormat;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.List;
import java.util.function.Function;

/**
 * A mustache.java factory locked down for error pages, one per format and set of folders:
 * <ul>
 *   <li>templates are read only from the given {@link TemplateSource}s, in order (never the working
 *       directory or a URL);</li>
 *   <li>templates see only the keys of the flat model map: no method or field of any object is reachable;</li>
 *   <li>every value is escaped for the format (HTML, JSON string, or plain text) and a template cannot opt
 *       out: {@code {{{x}}}} and {@code {{&x}}} fail to compile, as do pragmas and changed delimiters;</li>
 *   <li>a partial is named in the template, not by a model value: {@code {{>*x}}} fails to compile.</li>
 * </ul>
 * mustache.java caches every compiled template in its factory, so one factory is built per configuration,
 * at startup, and templates are compiled only then.
 */
final class TemplateFactory extends DefaultMustacheFactory {

    /** Resolves map keys only: the model is one flat map, and templates must not call methods. */
    private static final SimpleObjectHandler MAP_KEYS_ONLY = new SimpleObjectHandler() {
        @Override
        protected void checkMethod(Method member) throws NoSuchMethodException {
            throw new NoSuchMethodException("templates read map keys only");
        }

        @Override
        protected void checkField(Field member) throws NoSuchFieldException {
            throw new NoSuchFieldException("templates read map keys only");
        }
    };

    private final PageFormat format;

    /**
     * @param format the format, for escaping
     * @param sources the folders to read every template from, in order
     */
    TemplateFactory(PageFormat format, List<TemplateSource> sources) {
        this(format, name -> sources);
    }

    /**
     * @param format the format, for escaping
     * @param sourcesOf the folders to read a template, or a partial, from, in order, per file name
     */
    TemplateFactory(PageFormat format, Function<String, List<TemplateSource>> sourcesOf) {
        super(name -> {
            for (TemplateSource source : sourcesOf.apply(name)) {
                Reader reader = source.open(name);
                if (reader != null) {
                    return reader;
                }
            }
            return null;
        });
        this.format = format;
        setObjectHandler(MAP_KEYS_ONLY);
        mc.setAllowChangingDelimeters(false);
    }

    @Override
    public MustacheVisitor createMustacheVisitor() {
        return new DefaultMustacheVisitor(this) {
            @Override
            public void pragma(TemplateContext tc, String pragma, String args) {
                throw new MustacheException("pragmas are not allowed in error-page templates: " + tc);
            }

            /**
             * {@code {{>*key}}} names its partial by a model value, read and compiled at the first request that
             * renders it: past every startup check (strict mode tried one language), and reading the folder while
             * the application runs, where templates are compiled only at startup.
             */
            @Override
            public void dynamicPartial(TemplateContext tc, String variable, String indent) {
                throw new MustacheException("dynamic partials ({{>" + variable + "}}) are not allowed in error-page "
                        + "templates: " + tc);
            }

            @Override
            public void value(TemplateContext tc, String variable, boolean encoded) {
                if (!encoded) {
                    throw new MustacheException("unescaped values ({{{" + variable + "}}} or {{&" + variable
                            + "}}) are not allowed in error-page templates: " + tc);
                }
                list.add(new ValueCode(tc, df, variable, true));
            }
        };
    }

    @Override
    public void encode(String value, Writer writer) {
        try {
            writer.write(Escaping.escape(format, value));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
