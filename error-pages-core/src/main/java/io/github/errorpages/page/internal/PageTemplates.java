package io.github.errorpages.page.internal;

import com.github.mustachejava.Mustache;
import io.github.errorpages.internal.ConfigurationErrors;
import io.github.errorpages.page.PageConfig;
import io.github.errorpages.page.PageFormat;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every error-page template, compiled once at startup and looked up per format and page (DESIGN §4).
 *
 * <p>For a status, the lookup is {@code <status>} then {@code 5xx} in the application's folders
 * (file system, then class path), then the same two names among the built-in templates; for maintenance it
 * is {@code maintenance} in the application's folders, then the built-in {@code maintenance}, then the
 * built-in {@code 5xx}; in a format that has no built-in {@code maintenance} (text, problem+json), whose
 * maintenance page the built-in {@code 5xx} renders, the application's {@code 5xx} comes before the built-ins.
 * Each name is a file {@code <name>.<format extension>.mustache}. An application that replaces {@code layout.html.mustache} dresses every built-in HTML page it does not replace in its own
 * layout (each such page still falls back to the pure built-in one). Of the files such a page includes, only
 * the layout, and the files the built-in folder does not have, are read from the application's folders: the
 * built-in {@code 500} includes the built-in {@code 5xx}, whatever the application has under that name. A
 * page the application replaces with a template that is refused counts as not replaced.
 *
 * <p>An application template that does not compile, or that fails or renders nothing (for problem+json, no JSON
 * object, or one whose top-level {@code status} member is not the response's status as a number; for HTML, a page
 * with a {@code <meta http-equiv="refresh">}, R52) when tried at startup with a sample model, is reported once and
 * skipped; in strict mode it fails the startup instead. One that uses a name the model does not have
 * ({@link TemplateNames}), or an HTML one whose sample page holds what its {@code Content-Security-Policy} refuses
 * without a word on the page (a load from elsewhere, a {@code style} or {@code on…} attribute:
 * {@link PageContentRules}), fails a strict startup, and is reported once and kept in a lenient one; an HTML one
 * without the empty icon is reported once and kept in either. Only a
 * lenient {@code 5xx} is not held to its sample's status: it serves many, and may be right for the one it
 * hard-codes.
 * At render time the chain is walked again: an application template that fails on a real request (a {@code 5xx}
 * problem+json page that says {@code "status": 503} in a 502) is reported once and the next template (at last the
 * built-in one) renders the page, so a broken template never leaves a blank page.
 *
 * <p>Instances are immutable (but for the reported-once flags) and thread-safe.
 */
public final class PageTemplates {

    /** The class-path folder of the built-in templates. */
    public static final String BUILTIN_FOLDER = "io/github/errorpages/templates";
    /** The page name of the maintenance page. */
    public static final String MAINTENANCE = "maintenance";
    /** The page name every 5xx status falls back to. */
    public static final String SERIES = "5xx";
    /** The built-in HTML pages' common layout, which an application may replace too. */
    static final String LAYOUT = "layout.html.mustache";

    private static final Logger log = LoggerFactory.getLogger(PageTemplates.class);

    private final Map<PageFormat, Map<String, List<Candidate>>> chains;

    private PageTemplates(Map<PageFormat, Map<String, List<Candidate>>> chains) {
        this.chains = chains;
    }

    /**
     * Compiles every template.
     *
     * @param config where the application's templates are, and whether to be strict about them
     * @param userLoader the class loader for {@code templates.classpath}
     * @param sampleModels a complete model per page (a status such as {@code 502}, or {@code maintenance}),
     *     used to try the application's templates once before they are used
     * @return the templates
     * @throws IllegalStateException in strict mode, if an application template folder does not exist or an
     *     application template does not compile or render; in any mode, if a built-in template does not
     */
    public static PageTemplates compile(PageConfig config, ClassLoader userLoader,
            Function<String, Map<String, Object>> sampleModels) {
        List<TemplateSource> userSources = userSources(config, userLoader);
        TemplateSource builtin = TemplateSource.classpath(PageTemplates.class.getClassLoader(), BUILTIN_FOLDER);
        Map<PageFormat, Map<String, List<Candidate>>> chains = new EnumMap<>(PageFormat.class);
        for (PageFormat format : PageFormat.values()) {
            List<TemplateSource> userThenBuiltin = new ArrayList<>(userSources);
            userThenBuiltin.add(builtin);
            List<TemplateSource> builtinOnly = List.of(builtin);
            // A built-in page in the application's layout: the layout is the application's, and so is any file
            // only the application has (a partial of its layout), but what the built-in folder has is built-in
            // (500 includes 5xx), so that the application's page of the same name, broken or not, is not used.
            TemplateFactory builtinInUserLayout = new TemplateFactory(format,
                    name -> name.equals(LAYOUT) || !builtin.contains(name) ? userThenBuiltin : builtinOnly);
            Compiler compiler = new Compiler(format, config.isStrictTemplatesEnabled(), userSources,
                    new TemplateFactory(format, userThenBuiltin), builtin, new TemplateFactory(format, builtinOnly),
                    builtinInUserLayout, sampleModels);
            Map<String, List<Candidate>> byPage = new HashMap<>();
            for (int status = 500; status <= 599; status++) {
                String page = Integer.toString(status);
                byPage.put(page, compiler.chain(List.of(page, SERIES), List.of(page, SERIES)));
            }
            // The built-in 5xx renders the maintenance page of a format without a built-in one of its own (text,
            // problem+json): there the application's 5xx, which replaces the built-in, renders it too.
            List<String> userMaintenance = builtin.contains(file(MAINTENANCE, format)) ? List.of(MAINTENANCE)
                    : List.of(MAINTENANCE, SERIES);
            byPage.put(MAINTENANCE, compiler.chain(userMaintenance, List.of(MAINTENANCE, SERIES)));
            chains.put(format, Map.copyOf(byPage));
        }
        return new PageTemplates(chains);
    }

    /**
     * Renders a page, falling back along its chain when a template fails.
     *
     * @param format the format
     * @param page a status in [500, 599] as text, or {@link #MAINTENANCE}
     * @param model the flat model
     * @return the rendered text, never blank
     * @throws IllegalStateException if even the built-in template fails (a bug)
     */
    public String render(PageFormat format, String page, Map<String, Object> model) {
        Throwable last = null;
        for (Candidate candidate : chain(format, page)) {
            try {
                return candidate.render(model);
            } catch (RuntimeException | StackOverflowError e) { // see Candidate
                last = e;
                candidate.reportOnce(e);
            }
        }
        throw new IllegalStateException("every template for page " + page + " failed", last);
    }

    /**
     * Renders a page twice with the same template, for a {@link PageShape}: once from the real model, falling
     * back along the chain as {@link #render} does, and once from the same model with sentinels.
     *
     * @param format the format
     * @param page a status in [500, 599] as text, or {@link #MAINTENANCE}
     * @param model the flat model of a real response
     * @param withSentinels the same model with sentinels for the per-response values
     * @return both pages; {@code withSentinels} is {@code null} when the template that rendered the real page
     *     fails with sentinels (the page is then always rendered in full), or is not the chain's first that renders
     *     (a template before it failed: {@link Rendering#fellBack()})
     * @throws IllegalStateException if even the built-in template fails (a bug)
     */
    public Rendering renderForShape(PageFormat format, String page, Map<String, Object> model,
            Map<String, Object> withSentinels) {
        List<Candidate> chain = chain(format, page);
        Throwable last = null;
        for (Candidate candidate : chain) {
            String real;
            try {
                real = candidate.render(model);
            } catch (RuntimeException | StackOverflowError e) { // see Candidate
                last = e;
                candidate.reportOnce(e);
                continue;
            }
            if (last != null) {
                return new Rendering(real, null, true); // kept for no shape: no page with sentinels needed
            }
            try {
                return new Rendering(real, candidate.renderUnchecked(withSentinels), false);
            } catch (RuntimeException | StackOverflowError sentinelsRefused) {
                return new Rendering(real, null, false);
            }
        }
        throw new IllegalStateException("every template for page " + page + " failed", last);
    }

    /**
     * A page rendered by one template from a real model and from the same model with sentinels.
     *
     * @param real the page of the real response
     * @param withSentinels the page with sentinels, or {@code null} when the template failed with them or the
     *     page {@code fellBack}
     * @param fellBack whether a template before this one in the chain failed: it may render on another thread (one
     *     with a larger stack, see {@code Candidate}; on Java 25 mustache reports an overflow as an exception of its
     *     own), so the page holds for this response alone
     */
    public record Rendering(String real, @Nullable String withSentinels, boolean fellBack) {
    }

    private List<Candidate> chain(PageFormat format, String page) {
        List<Candidate> chain = chains.get(format).get(page);
        if (chain == null) {
            throw new IllegalArgumentException("no page " + page);
        }
        return chain;
    }

    private static List<TemplateSource> userSources(PageConfig config, ClassLoader userLoader) {
        List<TemplateSource> sources = new ArrayList<>();
        config.templateDirectory().ifPresent(directory -> addIfFound(sources, TemplateSource.directory(directory),
                "templates.directory", directory, "an existing folder", config.isStrictTemplatesEnabled()));
        config.templateClasspathFolder().ifPresent(folder -> addIfFound(sources,
                TemplateSource.classpath(userLoader, folder), "templates.classpath", folder, "a folder on the class path",
                config.isStrictTemplatesEnabled()));
        return sources;
    }

    /**
     * Adds the folder if it exists: if there is a resource for it, or, for a class-path folder in a jar without
     * directory entries (which has no resource for a folder), if it has any of the template files.
     */
    private static void addIfFound(List<TemplateSource> sources, TemplateSource source, String key, Object value,
            String rule, boolean strict) {
        if (source.exists() || templateFiles().stream().anyMatch(source::contains)) {
            sources.add(source);
        } else if (strict) {
            // Shown as every refused value is, on one line: a file-system folder's name may hold a line feed.
            throw new IllegalStateException("Invalid error-pages configuration: " + key + " must be " + rule
                    + " (templates.strict is on), but was " + ConfigurationErrors.shown(value));
        } else {
            // A file where the folder should be (a template's own path given, say) is there: "does not exist" sent the
            // operator looking for a fault that was not the one.
            String what = value instanceof Path path && Files.exists(path) ? "is a file, not a folder"
                    : "does not exist";
            log.warn("error-pages: {} {} {}; using the built-in templates", key, ConfigurationErrors.shown(value),
                    what);
        }
    }

    /** Every file name an application's folder may have a template under. */
    private static List<String> templateFiles() {
        List<String> files = new ArrayList<>(List.of(LAYOUT));
        for (PageFormat format : PageFormat.values()) {
            files.add(file(SERIES, format));
            files.add(file(MAINTENANCE, format));
            for (int status = 500; status <= 599; status++) {
                files.add(file(Integer.toString(status), format));
            }
        }
        return files;
    }

    private static String file(String name, PageFormat format) {
        return name + "." + format.extension() + ".mustache";
    }

    /**
     * One template of a chain. Its failures are {@link RuntimeException}s, and a {@link StackOverflowError}: mustache
     * compiles and renders nested sections recursively, so an application template nested some thousand deep
     * overflows the stack, at startup or only on a request thread with a smaller stack than the one that built the
     * pages. That is a broken template like any other, and the next in the chain renders once the stack has unwound.
     */
    private static final class Candidate {
        final String file;
        final String origin;
        final Mustache mustache;
        /** Whether its failure was reported: its own, or one a layout's pages share (their layout fails them all). */
        final AtomicBoolean reported;
        /** Whether what it renders must be a JSON object: an application's problem+json template. */
        private final boolean jsonObject;
        /** Whether what it renders must not refresh itself: an application's HTML template, or its layout's page. */
        private final boolean noRefresh;
        /**
         * How long this template's last page was: the next is about as long (pages differ in a few values),
         * so the buffer starts at that size, neither growing several times for an HTML page nor starting at
         * kilobytes for a short text or JSON body. A hint: races between threads do no harm.
         */
        private volatile int lastLength = 1024;

        Candidate(String file, String origin, Mustache mustache, AtomicBoolean reported, boolean jsonObject,
                boolean noRefresh) {
            this.file = file;
            this.origin = origin;
            this.mustache = mustache;
            this.reported = reported;
            this.jsonObject = jsonObject;
            this.noRefresh = noRefresh;
        }

        void reportOnce(Throwable failure) {
            if (reported.compareAndSet(false, true)) {
                log.warn("error-pages: template {} from {} failed to render ({}); using the next template "
                        + "instead. Reported once.", file, origin, failure.toString());
            }
        }

        String render(Map<String, Object> model) {
            return render(model, true);
        }

        /**
         * @param checkStatus whether a problem+json page's top-level {@code status} member must be the model's status
         *     ({@link Compiler#tryCandidate} leaves a lenient {@code 5xx}'s to its requests)
         */
        String render(Map<String, Object> model, boolean checkStatus) {
            String text = renderUnchecked(model);
            if (noRefresh && MetaRefresh.in(text)) {
                // Checked on every page rendered, as the JSON rules are: a refresh inside a section that the sample
                // model leaves out comes only with the response that opens the section.
                throw new IllegalStateException("the page has a <meta http-equiv=\"refresh\">, which reloads or "
                        + "redirects it with no say of the user's (R52, WCAG 2.2 SC 2.2.1)");
            }
            if (jsonObject) {
                JsonObjects.Scan body = JsonObjects.scan(text);
                if (!body.isObject()) {
                    // Sent as application/problem+json all the same, it failed every client that parses the body.
                    throw new IllegalStateException("the template rendered no JSON object");
                }
                // RFC 9457 §3.1.2: a JSON number, the response's status. A client that reads the body's status acted
                // on the "status": 503 a 5xx template hard-coded, in a 502.
                Object status = model.get("status");
                if (checkStatus && body.status() != null && !body.status().equals(status)) {
                    throw new IllegalStateException("the template rendered \"status\": " + shown(body.status())
                            + ", not the response's " + status);
                }
            }
            return text;
        }

        /** A status member's value for a log line, which an object, an array or a long string would fill. */
        private static String shown(String status) {
            return status.startsWith("{") ? "an object" : status.startsWith("[") ? "an array"
                    : status.length() > 40 ? status.substring(0, 40) + "..." : status;
        }

        /**
         * Renders a model whose per-response values may be sentinels: not checked as JSON, since a sentinel stands
         * where the value is a number too ({@code "retry_after": {{retryAfterSeconds}}}). The page of the real
         * values, checked, is what the shape must reproduce.
         */
        String renderUnchecked(Map<String, Object> model) {
            StringWriter out = new StringWriter(lastLength + 64);
            mustache.execute(out, model);
            String text = out.toString();
            lastLength = text.length();
            if (text.isBlank()) {
                throw new IllegalStateException("the template rendered nothing");
            }
            return text;
        }
    }

    /** Compiles the templates of one format, each file once, and assembles the chains. */
    private static final class Compiler {
        private final PageFormat format;
        private final boolean strict;
        private final List<TemplateSource> userSources;
        private final TemplateFactory userFactory;
        private final TemplateSource builtin;
        private final TemplateFactory builtinFactory;
        private final TemplateFactory builtinInUserLayoutFactory;
        private final Function<String, Map<String, Object>> sampleModels;
        /** Where the application's replacement of the built-in layout is, or null; built-in pages are dressed in it. */
        private final @Nullable String userLayout;
        private final Map<String, Optional<Candidate>> user = new HashMap<>();
        private final Map<String, Optional<Candidate>> builtinsInUserLayout = new HashMap<>();
        private final Map<String, Optional<Candidate>> builtins = new HashMap<>();
        /** Whether a built-in page in the application's layout was reported as broken. */
        private boolean dressedPageReported;
        /**
         * What the application's layout breaks that was reported: the layout's findings are in every page it dresses
         * and every page of the application that extends it, and each is reported once, as the layout's.
         */
        private final PageContentRules.Findings layoutReported = PageContentRules.Findings.nothing();
        /**
         * Whether a built-in page in the application's layout was reported as failing on a request: a layout that
         * fails fails every page dressed in it, which one line says, as {@link #dressedPageReported} at startup.
         */
        private final AtomicBoolean dressedPageFailed = new AtomicBoolean();

        Compiler(PageFormat format, boolean strict, List<TemplateSource> userSources, TemplateFactory userFactory,
                TemplateSource builtin, TemplateFactory builtinFactory, TemplateFactory builtinInUserLayoutFactory,
                Function<String, Map<String, Object>> sampleModels) {
            this.format = format;
            this.strict = strict;
            this.userSources = userSources;
            this.userFactory = userFactory;
            this.builtin = builtin;
            this.builtinFactory = builtinFactory;
            this.builtinInUserLayoutFactory = builtinInUserLayoutFactory;
            this.sampleModels = sampleModels;
            this.userLayout = format == PageFormat.HTML ? userLayout() : null;
        }

        List<Candidate> chain(List<String> userNames, List<String> builtinNames) {
            String page = userNames.get(0);
            List<Candidate> chain = new ArrayList<>();
            for (String name : userNames) {
                Optional<Candidate> candidate = user.computeIfAbsent(name, n -> userCandidate(n, page));
                // The application's 5xx was tried with a status's sample; the maintenance page is another model. Behind
                // the application's own maintenance page it is only the fallback of a failure on a request.
                if (candidate.isPresent() && (!page.equals(MAINTENANCE) || name.equals(MAINTENANCE)
                        || !chain.isEmpty() || rendersSample(candidate.get(), page))) {
                    chain.add(candidate.get());
                }
            }
            for (String name : builtinNames) {
                Optional<Candidate> candidate = builtins.computeIfAbsent(name, this::builtinCandidate);
                if (candidate.isPresent()) {
                    if (userLayout != null) {
                        builtinsInUserLayout.computeIfAbsent(name, n -> builtinInUserLayout(n, page)).ifPresent(chain::add);
                    }
                    chain.add(candidate.get());
                    return List.copyOf(chain);
                }
            }
            throw new IllegalStateException("no built-in " + format + " template for page " + page);
        }

        private Optional<Candidate> userCandidate(String name, String page) {
            String file = file(name);
            TemplateSource source = userSourceOf(file);
            return source == null ? Optional.empty()
                    : tryCandidate(userFactory, file, source.describe(), name.equals(SERIES) ? page : name,
                            strict || !name.equals(SERIES));
        }

        /**
         * A built-in page with the application's layout and the built-in partials, unless the application's own
         * page of that name is in use: one it does not have, or that was refused as broken, is dressed.
         */
        private Optional<Candidate> builtinInUserLayout(String name, String page) {
            Optional<Candidate> own = user.get(name);
            if (own != null && own.isPresent()) {
                return Optional.empty(); // the application's own page, ahead in the chain
            }
            return tryCandidate(builtinInUserLayoutFactory, file(name),
                    builtin.describe() + " in " + LAYOUT + " from " + userLayout, name.equals(SERIES) ? page : name,
                    true);
        }

        /**
         * Compiles an application template and renders it once with a sample model; reports it if it fails.
         *
         * @param checkStatus whether a problem+json page's {@code status} must be the sample's: not for a lenient
         *     {@code 5xx}, whose sample is one status of many (500), and which may be right for the one it hard-codes
         *     (a {@code "status": 503} is checked on each request, and reported once, as any failure on a request)
         */
        private Optional<Candidate> tryCandidate(TemplateFactory factory, String file, String origin,
                String samplePage, boolean checkStatus) {
            // A layout that fails fails every built-in page dressed in it: one line says so, not one a page.
            boolean dressed = factory == builtinInUserLayoutFactory;
            Candidate candidate;
            Map<String, Object> sample;
            String page;
            try {
                candidate = new Candidate(file, origin, factory.compile(file),
                        dressed ? dressedPageFailed : new AtomicBoolean(), format == PageFormat.PROBLEM_JSON,
                        format == PageFormat.HTML);
                sample = sampleModels.apply(samplePage);
                page = candidate.render(sample, checkStatus);
            } catch (RuntimeException | StackOverflowError broken) {
                if (!dressed || !dressedPageReported) {
                    reportBroken(file, origin, broken);
                }
                dressedPageReported |= dressed;
                return Optional.empty();
            }
            if (!dressed) {
                // A built-in page in the application's layout: the layout's names were checked on their own
                // (userLayout), and the built-in page's are the model's (TemplateNamesTests).
                checkNames(file, origin, candidate.mustache, sample);
            }
            if (format == PageFormat.HTML) {
                // A script in a section the sample leaves out runs on the pages that open it, and may clone what a
                // <template> holds: its findings count if the template's text has one anywhere.
                boolean script = hasScript(candidate.mustache);
                PageContentRules.Findings findings = PageContentRules.check(page, script);
                if (dressed) {
                    // What a built-in page in the application's layout breaks is the layout's (the built-in pages
                    // break none: PageContentRulesTests).
                    checkLayoutContent(findings);
                } else if (userLayout != null && TemplateNames.includes(candidate.mustache, LAYOUT)) {
                    // A page of the application's in its layout: what the layout holds, rendered alone from the same
                    // sample, is the layout's, named once as the layout's, and the rest the page's (a finding the
                    // page puts in a block it fills, the same as the layout's own block has, is named the layout's
                    // only: still reported, and failing a strict start; docs/templates.md says so).
                    PageContentRules.Findings layout = layoutContent(sample, script);
                    checkLayoutContent(layout);
                    checkContent(file, origin, findings.without(layout));
                } else {
                    checkContent(file, origin, findings);
                }
            }
            log.info("error-pages: using template {} from {}", file, origin);
            return Optional.of(candidate);
        }

        /**
         * Reports the names an application template uses that the model does not have, each of which renders as
         * nothing: a strict startup fails, a lenient one logs one line per template and keeps it (it renders, only
         * without those values).
         */
        private void checkNames(String file, String origin, Mustache template, Map<String, Object> sample) {
            List<String> unknown;
            try {
                unknown = TemplateNames.unknown(template, sample.keySet());
            } catch (RuntimeException | StackOverflowError walkFailed) {
                log.debug("error-pages: could not check the names template {} in {} uses", file, origin, walkFailed);
                return; // the template compiled and rendered: what mustache made of it is not the names' check's
            }
            if (unknown.isEmpty()) {
                return;
            }
            // On one line: a name is the template's text, and a tag may span lines.
            String names = ConfigurationErrors.oneLine(String.join(", ", unknown));
            if (strict) {
                throw new IllegalStateException("Invalid error-pages configuration: template " + file + " in " + origin
                        + " uses names the model does not have, which render as nothing (templates.strict is on): "
                        + names);
            }
            log.warn("error-pages: template {} in {} uses names the model does not have, which render as nothing: {}; "
                    + "using it all the same", file, origin, names);
        }

        /**
         * Reports what an application's HTML page, rendered from the sample model, holds that its
         * Content-Security-Policy refuses without a word on the page (a load from elsewhere, a {@code style} or
         * {@code on…} attribute: {@link PageContentRules}), and a missing empty icon: a strict startup fails on the
         * former, and only on the former (without the icon the page still shows all it has), a lenient one logs one
         * line per template and keeps it, as the browser would show it. Once per template at startup, on the page
         * the names and R52 were checked on: nothing of it runs on a request.
         */
        private void checkContent(String file, String origin, PageContentRules.Findings findings) {
            if (findings.none()) {
                return;
            }
            // On one line: a finding is the template's text, and a value may span lines.
            String found = ConfigurationErrors.oneLine(findings.describe());
            if (strict && findings.refused()) {
                throw new IllegalStateException("Invalid error-pages configuration: template " + file + " in " + origin
                        + " breaks the rules for templates (templates.strict is on): " + found);
            }
            log.warn("error-pages: template {} in {} breaks the rules for templates: {}; using it as it is", file,
                    origin, found);
        }

        /** Reports what of the layout's findings was not reported yet, as the layout's. */
        private void checkLayoutContent(PageContentRules.Findings layout) {
            PageContentRules.Findings fresh = layout.without(layoutReported);
            layoutReported.add(fresh);
            checkContent(LAYOUT, userLayout, fresh);
        }

        /**
         * What the application's layout holds that the rules forbid, rendered alone (its blocks as it fills them) from
         * a page's sample, so that a section of it that this sample opens is in it as in the page; nothing if it does
         * not render alone, and then what the page breaks is named as the page's.
         *
         * @param script whether the page's template has a {@code <script>} anywhere, as the page's findings were read
         */
        private PageContentRules.Findings layoutContent(Map<String, Object> sample, boolean script) {
            StringWriter layout = new StringWriter();
            try {
                userFactory.compile(LAYOUT).execute(layout, sample);
            } catch (RuntimeException | StackOverflowError broken) {
                return PageContentRules.Findings.nothing();
            }
            return PageContentRules.check(layout.toString(), script);
        }

        /** Whether a template's text has a {@code <script}; if it cannot be walked, as if it had (no finding lost). */
        private boolean hasScript(Mustache template) {
            try {
                return TemplateNames.hasScript(template);
            } catch (RuntimeException | StackOverflowError walkFailed) {
                return true;
            }
        }

        /**
         * Whether an application template (a {@code 5xx}) renders a page's sample; reported (strict: thrown) if it does
         * not. Its status is checked in strict mode only, as in {@link #tryCandidate}.
         */
        private boolean rendersSample(Candidate candidate, String page) {
            try {
                candidate.render(sampleModels.apply(page), strict);
                return true;
            } catch (RuntimeException | StackOverflowError broken) {
                reportBroken(candidate.file, candidate.origin + " (for the " + page + " page)", broken);
                return false;
            }
        }

        private @Nullable String userLayout() {
            TemplateSource source = userSourceOf(LAYOUT);
            if (source == null) {
                return null;
            }
            Mustache layout;
            try {
                layout = userFactory.compile(LAYOUT);
            } catch (RuntimeException | StackOverflowError broken) {
                reportBroken(LAYOUT, source.describe(), broken);
                return null;
            }
            // Every page has the same keys: any sample tells the layout's names.
            checkNames(LAYOUT, source.describe(), layout, sampleModels.apply("500"));
            return source.describe();
        }

        private void reportBroken(String file, String origin, Throwable broken) {
            if (strict) {
                throw new IllegalStateException("Invalid error-pages configuration: template " + file + " in " + origin
                        + " does not compile or render (templates.strict is on): " + broken, broken);
            }
            log.warn("error-pages: template {} in {} does not compile or render ({}); using the built-in template "
                    + "instead", file, origin, broken.toString());
        }

        private @Nullable TemplateSource userSourceOf(String file) {
            for (TemplateSource source : userSources) {
                if (source.contains(file)) {
                    return source;
                }
            }
            return null;
        }

        private Optional<Candidate> builtinCandidate(String name) {
            String file = file(name);
            if (!builtin.contains(file)) {
                return Optional.empty();
            }
            return Optional.of(new Candidate(file, builtin.describe(), builtinFactory.compile(file),
                    new AtomicBoolean(), false, false));
        }

        private String file(String name) {
            return PageTemplates.file(name, format);
        }
    }
}
