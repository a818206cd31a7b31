using ManifestCompiler.Syntax.Diagnostics;

namespace ManifestCompiler.Diagnostics;

/// <summary>
/// The catalog of diagnostics about manifests. Ids are stable: never reuse or renumber one.
/// MC6xxx the shape of manifest files (both dialects), MC7xxx BOSSi integration folders (MC71xx Python steps),
/// MC8xxx ChiefOnboarding manifests (MC81xx portability: where the reference engine differs from its documentation).
/// The languages inside manifests have theirs in <see cref="SyntaxDiagnostics"/>.
/// </summary>
public static class ManifestDiagnostics
{
    // The shape of manifest files
    public static readonly DiagnosticDescriptor WrongType = new(
        "MC6001", "Wrong type", "'{0}' must be {1}; found {2}", DiagnosticSeverity.Error,
        "The value has the wrong JSON type for this key. The message says which type the key takes.");

    public static readonly DiagnosticDescriptor MissingRequiredKey = new(
        "MC6002", "Missing required key", "Missing required key '{0}' in {1}", DiagnosticSeverity.Error,
        "The object lacks a key it must have. Add it; the diagnostic points at the object.");

    public static readonly DiagnosticDescriptor UnknownKey = new(
        "MC6003", "Unknown key", "Unknown key '{0}' in {1}{2}", DiagnosticSeverity.Error,
        "The key is not part of this object. ChiefOnboarding's serializer rejects unknown top-level keys, so this compiler does too; check the spelling.");

    public static readonly DiagnosticDescriptor UnknownKeyIgnored = new(
        "MC6004", "Unknown key ignored", "Unknown key '{0}' in {1} is ignored{2}", DiagnosticSeverity.Warning,
        "The key is not part of this object and nothing reads it. Check the spelling or delete it.");

    public static readonly DiagnosticDescriptor BlankString = new(
        "MC6005", "Blank value", "'{0}' may not be blank", DiagnosticSeverity.Error,
        "The key needs a non-empty string.");

    public static readonly DiagnosticDescriptor InvalidChoice = new(
        "MC6006", "Invalid value", "'{0}' is not a valid {1}; expected {2}", DiagnosticSeverity.Error,
        "The key takes one of a fixed set of values (case matters).");

    public static readonly DiagnosticDescriptor OutOfRange = new(
        "MC6007", "Value out of range", "'{0}' must be an integer from {1} to {2}; found {3}", DiagnosticSeverity.Error,
        "The number is outside the range the key allows.");

    public static readonly DiagnosticDescriptor DuplicateName = new(
        "MC6008", "Duplicate name", "Duplicate {0} '{1}': it is already defined at line {2}", DiagnosticSeverity.Error,
        "Names of this kind must be unique; a second one would silently shadow the first. Rename or delete one.");

    public static readonly DiagnosticDescriptor MissingFile = new(
        "MC6009", "Missing file", "Missing required file '{0}' in integration folder '{1}'", DiagnosticSeverity.Error,
        "Every integration folder needs oauth.json and schema.json.");

    public static readonly DiagnosticDescriptor UnreadableFile = new(
        "MC6010", "Unreadable file", "Cannot read '{0}': {1}", DiagnosticSeverity.Error,
        "The file exists but could not be read (permissions, encoding or I/O).");

    public static readonly DiagnosticDescriptor VariableOnlyDefault = new(
        "MC6011", "Variable always takes its default", "Nothing here provides '{0}'{1}; it always renders its default", DiagnosticSeverity.Warning,
        "The placeholder names a variable nothing defines, but its 'default' filter makes that harmless. Define the variable or write the default as text.");

    public static readonly DiagnosticDescriptor PayloadHoleFromBody = new(
        "MC6012", "Placeholder read from the request body", "'{{{{{0}}}}}' is not a memory key; at run time it reads the request body's '{0}'{1}", DiagnosticSeverity.Info,
        "A webhook payload placeholder that no memory key defines is taken from the top-level key of the incoming body. Name it in validations.body_required to make that explicit (and to reject requests without it).");

    public static readonly DiagnosticDescriptor ManifestKindUnknown = new(
        "MC6013", "Unknown manifest kind", "Cannot tell whether this is a webhook or a sync-users manifest; checked as {0}", DiagnosticSeverity.Info,
        "Pass --kind to say which, or add the key that decides it ('execute' for webhooks, 'action' and 'data_structure' for sync-users).");

    // BOSSi integration folders
    public static readonly DiagnosticDescriptor UnknownAction = new(
        "MC7001", "Unknown action", "No action '{0}' is declared in schema.json{1}", DiagnosticSeverity.Error,
        "Actions are declared under 'actions' in schema.json. Declare it there or fix the name.");

    public static readonly DiagnosticDescriptor MissingCodeFile = new(
        "MC7002", "Missing code file", "codeRef '{0}' has no code file: expected '{1}'", DiagnosticSeverity.Error,
        "A step's codeRef names the Python file action/<action>/code/<codeRef>.py.");

    public static readonly DiagnosticDescriptor UndeclaredActionFolder = new(
        "MC7003", "Undeclared action folder", "Folder 'action/{0}' belongs to no action in schema.json{1}", DiagnosticSeverity.Warning,
        "Nothing runs the code in this folder. Declare the action in schema.json or delete the folder.");

    public static readonly DiagnosticDescriptor MappingNeverUsed = new(
        "MC7004", "Field mapping never used", "Action '{0}' has skipParser: true, so its field mapping is never used", DiagnosticSeverity.Warning,
        "With skipParser: true an action's output skips field mapping. Set it to false or delete the mapping.");

    public static readonly DiagnosticDescriptor ParserTargetSkipsMapping = new(
        "MC7005", "Records sent to an action without mapping", "send_to_parser('{0}', ...) sends records to an action that skips field mapping (skipParser: true) or has none", DiagnosticSeverity.Warning,
        "send_to_parser sends records through the named action's field mapping; that action must have skipParser: false and an action/<name>/schema.json.");

    public static readonly DiagnosticDescriptor MissingFieldMapping = new(
        "MC7006", "Missing field mapping", "Action '{0}' sends its output through field mapping (skipParser: false) but has no 'action/{0}/schema.json'", DiagnosticSeverity.Warning,
        "Add the mapping, or set skipParser: true if the action stores nothing itself.");

    public static readonly DiagnosticDescriptor NonSingularMapping = new(
        "MC7007", "Query can select several nodes", "'{0}' can select several nodes but dataType is '{1}': only the first is used", DiagnosticSeverity.Warning,
        "Use dataType 'array' to keep every node, or a singular query (name and index selectors only).");

    public static readonly DiagnosticDescriptor WebhookNotGenerated = new(
        "MC7008", "Webhook never receives events", "webhook.json is never used: oauth.json does not set genWebhook to true", DiagnosticSeverity.Warning,
        "An integration instance gets an inbound webhook URL only with genWebhook: true.");

    public static readonly DiagnosticDescriptor AccessTokenNotCaptured = new(
        "MC7009", "Access token not captured", "security.accessTokenVariable '{0}' is not a key of oauth.json tokens{1}", DiagnosticSeverity.Warning,
        "The security block names the stored token that holds the access token; it should be one of the tokens oauth.json captures.");

    public static readonly DiagnosticDescriptor InvalidRateLimit = new(
        "MC7010", "Invalid rate limit", "rate_limit {0} with period {1}: a limit needs a period of at least one second (0 and 0 mean no limit)", DiagnosticSeverity.Error,
        "rate_limit is {\"limit\": runs, \"period\": seconds}, both positive, or both 0 for no limit.");

    public static readonly DiagnosticDescriptor UnknownService = new(
        "MC7011", "Unknown service", "Unknown service '{0}'{1}; known: {2}", DiagnosticSeverity.Warning,
        "services routes data: contacts, calendar, messages, payments, tickets or ai.");

    public static readonly DiagnosticDescriptor ActionNeverRuns = new(
        "MC7012", "Action has no steps", "Action '{0}' has no steps, so running it does nothing", DiagnosticSeverity.Warning,
        "Add a step with a codeRef.");

    // webhook.json signatures (validations.signature, docs/runtime.md "Webhook signatures")
    public static readonly DiagnosticDescriptor WebhookUnsigned = new(
        "MC7013", "Webhook without a signature", "webhook.json has no validations.signature: anyone who knows an instance's webhook URL can trigger its actions", DiagnosticSeverity.Warning,
        "Add \"signature\": {\"header\": ..., \"scheme\": ..., \"secret\": \"{{...}}\"} to validations with the vendor's scheme (hmac-sha256-hex, hmac-sha256-base64, hmac-sha1-hex or stripe), so the runtime refuses requests the vendor did not sign.");

    public static readonly DiagnosticDescriptor UnknownSignatureScheme = new(
        "MC7014", "Unknown signature scheme", "'{0}' is not a signature scheme{1}; known: {2}", DiagnosticSeverity.Error,
        "The scheme says how the vendor signs a request: hmac-sha256-hex, hmac-sha256-base64 (Intuit), hmac-sha1-hex, or stripe (t=...,v1=... with a timestamp).");

    public static readonly DiagnosticDescriptor UnknownSignatureSecretVariable = new(
        "MC7015", "Unknown signature secret variable", "Unknown variable '{0}' in the signature secret{1}", DiagnosticSeverity.Error,
        "The secret is rendered per instance from its tokens (requiredQueryParams, oauth.json tokens), schema.json variables and the platform's variables. A variable nothing defines would render empty, and every request would be refused.");

    public static readonly DiagnosticDescriptor SignatureHeaderAlsoRequired = new(
        "MC7016", "Signature header also in headers_required", "'{0}' is the signature header, so it need not be in headers_required: the signature already requires it", DiagnosticSeverity.Warning,
        "The signature block already requires its header: a request without it is refused with 401 before validations run, so the entry in headers_required never takes effect. Keep the header only in the signature block, which makes a missing signature what it is, an authentication failure (401), not a malformed request (400 naming the header).");

    public static readonly DiagnosticDescriptor InvalidSignatureTolerance = new(
        "MC7017", "Invalid signature tolerance", "tolerance_seconds must be a whole number of seconds from 1 to {0}; found {1}", DiagnosticSeverity.Error,
        "How far the signed timestamp may be from the receiver's clock, in either direction. Requests outside it are refused as replays; a long tolerance leaves a captured request replayable that long (Stripe's libraries use 300).");

    public static readonly DiagnosticDescriptor SignatureToleranceIgnored = new(
        "MC7018", "Signature tolerance ignored", "tolerance_seconds is ignored: scheme '{0}' signs no timestamp", DiagnosticSeverity.Warning,
        "Only the stripe scheme signs a timestamp. The HMAC schemes sign the body alone, so a captured request can be replayed; delete tolerance_seconds.");

    // Python action steps
    public static readonly DiagnosticDescriptor MissingMain = new(
        "MC7101", "Missing main(storage)", "The step does not define 'def main(storage):' at the top level", DiagnosticSeverity.Error,
        "The sandbox runs a step by calling main(storage); define it at the top level of the file.");

    public static readonly DiagnosticDescriptor MainSignature = new(
        "MC7102", "main takes one parameter", "main must take exactly one positional parameter (storage); found {0}", DiagnosticSeverity.Error,
        "The sandbox calls main(storage) with one positional argument.");

    public static readonly DiagnosticDescriptor ImportNotAllowed = new(
        "MC7103", "Import in a step", "The sandbox blocks '{0}'; preloaded globals: {1}", DiagnosticSeverity.Error,
        "Steps cannot import modules. Everything available is preloaded as a global.");

    public static readonly DiagnosticDescriptor PythonSyntaxError = new(
        "MC7104", "Python syntax error", "Python syntax error: {0}", DiagnosticSeverity.Error,
        "CPython (ast.parse) cannot read the step. The position is CPython's.");

    public static readonly DiagnosticDescriptor PythonNotChecked = new(
        "MC7105", "Python syntax not checked", "Python syntax was not checked: {0}", DiagnosticSeverity.Info,
        "Python syntax errors are found with a real python3; install python3 (3.11 or later) to have them reported.");

    public static readonly DiagnosticDescriptor UndefinedName = new(
        "MC7106", "Undefined name in a step", "Name '{0}' is not defined: it is no builtin the sandbox allows, no preloaded global and no name the step defines{1}", DiagnosticSeverity.Error,
        "A step sees the builtins the sandbox allows, the preloaded globals (payload, storage, variables, integration_variables, http, json, logging, send_to_parser, ...) and the names it defines itself; reading any other name raises NameError at run time. Found with CPython's own scoping (mfc check, mfc build), never by running the step.");

    public static readonly DiagnosticDescriptor RefusedBuiltin = new(
        "MC7107", "Builtin refused by the sandbox", "'{0}' is not available in the step sandbox: calling it fails the run", DiagnosticSeverity.Error,
        "The sandbox replaces exec, eval, compile, open, input, breakpoint, vars, locals, memoryview, help, exit and quit with a refusal (docs/python-sandbox.md).");

    public static readonly DiagnosticDescriptor InaccessibleInSandbox = new(
        "MC7108", "Name or attribute refused by the sandbox", "{0} is not accessible in the step sandbox", DiagnosticSeverity.Error,
        "Dunder names and attributes (except __name__ and __init__), frame and code attributes (f_globals, gi_frame, ...) and the sandbox's own guard names are refused before the step runs, also through getattr, setattr, delattr and hasattr with a literal name.");

    public static readonly DiagnosticDescriptor SandboxCallArguments = new(
        "MC7109", "Wrong arguments to a preloaded function", "{0}: {1}", DiagnosticSeverity.Error,
        "The preloaded functions take the arguments the sandbox guide lists (send_to_trigger(action, payload), send_to_parser(action, data), schedule_task(seconds, retries), modify_tokens(tokens), get_token(), ...); any other call raises TypeError at run time.");

    public static readonly DiagnosticDescriptor IgnoredSandboxKeyword = new(
        "MC7110", "Keyword ignored by a preloaded function", "{0} ignores keyword '{1}'{2}", DiagnosticSeverity.Warning,
        "The sandbox's http.request and logging functions accept and drop keywords they do not know (as urllib3 options and logging's extra= are meaningless there); a misspelt headers= or body= is therefore silently lost.");

    public static readonly DiagnosticDescriptor UnknownSandboxMember = new(
        "MC7111", "Unknown member of a preloaded module", "'{0}' has no attribute '{1}' in the step sandbox{2}; it has: {3}", DiagnosticSeverity.Error,
        "The preloaded modules are read-only stand-ins with only the listed members (http.request, json.loads, logging.info, datetime.datetime, ...); any other attribute raises AttributeError at run time.");

    public static readonly DiagnosticDescriptor UnknownVariable = new(
        "MC7112", "Unknown schema variable", "'{0}' is not a schema.json variable{1}, so variables['{0}'] raises KeyError; variables: {2}", DiagnosticSeverity.Error,
        "variables holds exactly the variables of schema.json; they are static.");

    public static readonly DiagnosticDescriptor UnknownVariableGet = new(
        "MC7113", "Unknown schema variable read with get", "'{0}' is not a schema.json variable{1}, so variables.get('{0}') is always None; variables: {2}", DiagnosticSeverity.Warning,
        "variables holds exactly the variables of schema.json; they are static, so a key that is not there is never there.");

    public static readonly DiagnosticDescriptor UnknownIntegrationVariable = new(
        "MC7114", "Unknown integration variable", "'{0}' is not an integration variable{1}, so integration_variables['{0}'] raises KeyError; known: {2}", DiagnosticSeverity.Error,
        "integration_variables holds the instance's tokens: oauth.json's requiredQueryParams and tokens, the security block's accessTokenVariable and expiryInVariable, and the literal keys any step of the integration writes with modify_tokens. When some step writes keys that cannot be seen, this is reported as MC7115 instead.");

    public static readonly DiagnosticDescriptor UnknownIntegrationVariableGet = new(
        "MC7115", "Integration variable not declared", "'{0}' is not a declared integration variable{1}; known: {2}", DiagnosticSeverity.Info,
        "Read with get, or written by a modify_tokens call whose keys cannot be seen: the token may exist at run time, but no file or step declares it.");

    public static readonly DiagnosticDescriptor MainReturnsNonDict = new(
        "MC7116", "main returns a non-dict", "main returns {0}, not a dict: only a dict's keys are merged into storage, and only a dict with a truthy 'error' key fails the run; this value is passed on as the step's result", DiagnosticSeverity.Warning,
        "Return a dict (or None) from main: its keys go into storage for the next step, {\"error\": ...} reports a failure, and a returnsData action's caller receives it.");

    // ChiefOnboarding manifests
    public static readonly DiagnosticDescriptor ResponseNotEarlier = new(
        "MC8001", "Response of a later request", "'responses.{0}' is not an earlier request: {1}", DiagnosticSeverity.Error,
        "{{ responses.N }} reads the response of request N (from 0) of execute, and only requests that ran before this one have a response.");

    public static readonly DiagnosticDescriptor NextPageTokenOutsideNextPage = new(
        "MC8002", "NEXT_PAGE_TOKEN outside next_page", "NEXT_PAGE_TOKEN is only defined in 'next_page'", DiagnosticSeverity.Error,
        "The token read from next_page_token_from is available only to the next_page URL template.");

    public static readonly DiagnosticDescriptor PollingWithoutContinueIf = new(
        "MC8003", "Polling without continue_if", "'polling' needs 'continue_if': polling repeats the request until continue_if matches", DiagnosticSeverity.Error,
        "Add continue_if with the response_notation and value that end the polling.");

    public static readonly DiagnosticDescriptor FileNotSaved = new(
        "MC8004", "File not saved earlier", "files: no earlier request saves '{0}' (save_as_file){1}, so this request always fails", DiagnosticSeverity.Warning,
        "A file sent with 'files' must be downloaded by an earlier request of the same execute list with save_as_file. A warning, not an error, because the reference serializer accepts the manifest.");

    public static readonly DiagnosticDescriptor PaginationIncomplete = new(
        "MC8005", "Incomplete pagination", "'{0}' needs '{1}' too", DiagnosticSeverity.Error,
        "Token pagination needs both next_page_token_from (where the token is) and next_page (the URL that uses {{ NEXT_PAGE_TOKEN }}).");

    public static readonly DiagnosticDescriptor UpdateWithoutEmail = new(
        "MC8006", "Update sync without email", "An 'update' sync needs 'email' in data_structure to find each user: without it no user is updated (and the reference engine fails with KeyError)", DiagnosticSeverity.Warning,
        "Users are matched by email, as the documentation says; add \"email\": \"<path of the email in each record>\". A warning, not an error, because the reference serializer accepts the manifest (its own documentation example lacks it).");

    public static readonly DiagnosticDescriptor UpdateWithoutSchedule = new(
        "MC8007", "Update sync without schedule", "An 'update' sync runs only on its schedule, and this one has none", DiagnosticSeverity.Warning,
        "Update syncs cannot be run by hand; add 'schedule' with a cron expression.");

    public static readonly DiagnosticDescriptor CreateFieldIgnored = new(
        "MC8008", "Field not imported", "An import ('create') copies only email, first_name and last_name; '{0}' is ignored", DiagnosticSeverity.Warning,
        "Use an 'update' sync to store other values on users.");

    public static readonly DiagnosticDescriptor StoreDataWithoutUser = new(
        "MC8009", "store_data without a user", "store_data needs a new hire, and sync-users runs have none", DiagnosticSeverity.Error,
        "Sync-users manifests run without a user; store values with an 'update' sync's data_structure instead.");

    public static readonly DiagnosticDescriptor UnknownVariableRendersEmpty = new(
        "MC8011", "Unknown template variable", "Unknown template variable '{0}' renders as an empty string{1}", DiagnosticSeverity.Warning,
        "Nothing in the manifest or the platform provides the variable, so the engine renders it as \"\". A warning, not an error, because the reference serializer accepts such manifests; define it (initial_data_form, form, extra_user_info, store_data) or fix the name.");

    public static readonly DiagnosticDescriptor ManyPages = new(
        "MC8010", "Many pages", "amount_pages_to_fetch {0} is above the 10 pages the documentation recommends", DiagnosticSeverity.Info,
        "Pages are fetched live while an admin waits; more than 10 pages (or 5000 users) may time out.");

    // Portability: where the reference engine differs from the documentation, which this toolchain follows
    public static readonly DiagnosticDescriptor IntegerStatusCodes = new(
        "MC8101", "Integer status codes", "status_code lists integers: the reference engine compares the status as a string with each item, so integers never match and every request fails there; write strings such as \"200\"", DiagnosticSeverity.Warning,
        "This toolchain matches integer and string status codes alike, as the documentation's examples expect.");

    public static readonly DiagnosticDescriptor FormEncodedBody = new(
        "MC8102", "Body is form-encoded by the reference engine", "The reference engine sends this 'data' form-encoded (cast_data_to_json defaults to true there; ChiefOnboarding issue #519), this toolchain sends JSON as documented; add \"cast_data_to_json\": false for JSON on both", DiagnosticSeverity.Warning,
        "With cast_data_to_json true or absent the reference engine form-encodes the body, keeping only the keys of nested objects.");

    public static readonly DiagnosticDescriptor SyncActionSync = new(
        "MC8103", "Action 'sync'", "action 'sync' is documented as an import but the reference engine rejects it (and does nothing with it at run time); it runs here as 'create'", DiagnosticSeverity.Warning,
        "Write 'create' for an import, 'update' to store values on existing users.");

    public static readonly DiagnosticDescriptor SixFieldSchedule = new(
        "MC8104", "Six-field schedule", "Six-field schedule: the sixth field is seconds (as croniter reads it), so '{0}' runs {1}; write five fields (minute hour day month weekday)", DiagnosticSeverity.Warning,
        "The documentation's example '* 1 * * * *' reads as every second from 01:00 to 01:59 in the reference engine.");

    public static readonly DiagnosticDescriptor OAuthWithoutRefresh = new(
        "MC8105", "OAuth without refresh", "oauth has no 'refresh': the token is treated as permanent, as documented, but the reference engine rejects this manifest", DiagnosticSeverity.Warning,
        "Add a refresh request if the provider's tokens expire.");

    public static readonly DiagnosticDescriptor BlankDataFrom = new(
        "MC8106", "Blank data_from", "data_from \"\" (the users are the response itself) is documented, but the reference engine rejects it", DiagnosticSeverity.Warning,
        "The reference engine's serializer refuses a blank data_from; such a manifest works there only if it never passes validation.");

    public static readonly DiagnosticDescriptor MissingDescription = new(
        "MC8107", "Initial data item without description", "initial_data_form item '{0}' has no description: allowed by the documentation, rejected by the reference engine", DiagnosticSeverity.Warning,
        "Add a description saying where to find the value.");

    public static readonly DiagnosticDescriptor TodoFormsVariable = new(
        "MC8109", "todo_forms variable", "'todo_forms' exists only in an unmerged ChiefOnboarding change (f7371bb8, exposing to-do form answers); the released engine renders it empty", DiagnosticSeverity.Warning,
        "This toolchain provides todo_forms.<form>.<n> as that change describes; the reference engine's master branch does not.");

    public static readonly DiagnosticDescriptor LegacyKey = new(
        "MC8108", "Legacy key", "'{0}' is no longer read by the reference engine ({1})", DiagnosticSeverity.Warning,
        "The key comes from an older manifest format. Remove it, or use its replacement.");
}
