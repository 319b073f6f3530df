/**
 * What counts as a secret when nothing marks it so: config keys whose name says credential
 * (aws:secretKey, aws:accessKey, aws:token, a mistyped hfTokn, apiKey, password...) and values
 * shaped like the tokens people paste (Hugging Face hf_..., AWS access key ids, OpenAI sk-...,
 * GitHub ghp_..., Slack xox...). Errors never echo such a value; the offline plan redacts it.
 */

const SECRET_KEY_NAME = /(secret|token|tokn|passw|credential|api[-_]?key|access[-_]?key|private[-_]?key|session|auth)/i;

/** The name part of a config key: `aws:secretKey` -> `secretKey`. */
function bareName(key: string): string {
    return key.slice(key.lastIndexOf(":") + 1);
}

/** Whether a config key's name says its value is a credential. */
export function isSecretLookingKey(key: string): boolean {
    return SECRET_KEY_NAME.test(bareName(key));
}

const SECRET_VALUE =
    /^(hf_[A-Za-z0-9]{8,}|(AKIA|ASIA)[A-Z0-9]{12,}|sk-[A-Za-z0-9_-]{8,}|gh[pousr]_[A-Za-z0-9]{8,}|xox[abposr]-[A-Za-z0-9-]{8,}|pul-[A-Za-z0-9]{8,})/;

/** Whether a value looks like a pasted token, wherever it was set. */
export function isSecretLookingValue(value: unknown): boolean {
    return typeof value === "string" && SECRET_VALUE.test(value.trim());
}
