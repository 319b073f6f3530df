/**
 * A minimal XML well-formedness check (no XML package in the project): one root element, tags
 * nested and closed in order, attribute values quoted and unique per element, only the five
 * predefined entities or character references, no stray `<` or `&`. Returns the elements found
 * (name, attributes, text directly inside) so tests can inspect the document.
 */

export interface XmlElement {
    name: string;
    attributes: Record<string, string>;
    children: XmlElement[];
    text: string;
}

const NAME = "[A-Za-z_][\\w.:-]*";
const ATTRIBUTE = new RegExp(`\\s+(${NAME})\\s*=\\s*("([^"<]*)"|'([^'<]*)')`, "y");
const ENTITY = /&(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);/g;

function checkText(text: string, where: number): void {
    if (text.replace(ENTITY, "").includes("&")) {
        throw new Error(`bad entity near offset ${where}`);
    }
}

/** Parses the document or throws saying what is malformed. */
export function parseXml(doc: string): XmlElement {
    let i = 0;
    const stack: XmlElement[] = [];
    let root: XmlElement | undefined;
    const skipProlog = /^\s*<\?xml[^?]*\?>/.exec(doc);
    if (skipProlog) {
        i = skipProlog[0].length;
    }
    while (i < doc.length) {
        const lt = doc.indexOf("<", i);
        const text = doc.slice(i, lt < 0 ? doc.length : lt);
        checkText(text, i);
        if (stack.length === 0 && text.trim() !== "") {
            throw new Error(`text outside the root element at offset ${i}`);
        }
        if (stack.length > 0) {
            stack[stack.length - 1].text += text;
        }
        if (lt < 0) {
            break;
        }
        if (doc.startsWith("<!--", lt)) {
            const end = doc.indexOf("-->", lt);
            if (end < 0) throw new Error("unclosed comment");
            i = end + 3;
            continue;
        }
        if (doc[lt + 1] === "/") {
            const m = new RegExp(`</(${NAME})\\s*>`, "y");
            m.lastIndex = lt;
            const close = m.exec(doc);
            const open = stack.pop();
            if (!close || !open || open.name !== close[1]) {
                throw new Error(`closing tag at offset ${lt} does not match <${open?.name ?? "(none)"}>`);
            }
            i = m.lastIndex;
            continue;
        }
        const nameRe = new RegExp(`<(${NAME})`, "y");
        nameRe.lastIndex = lt;
        const name = nameRe.exec(doc);
        if (!name) {
            throw new Error(`stray < at offset ${lt}`);
        }
        const element: XmlElement = { name: name[1], attributes: {}, children: [], text: "" };
        let j = nameRe.lastIndex;
        for (;;) {
            ATTRIBUTE.lastIndex = j;
            const a = ATTRIBUTE.exec(doc);
            if (!a) break;
            if (a[1] in element.attributes) {
                throw new Error(`duplicate attribute ${a[1]} on <${element.name}>`);
            }
            const value = a[3] ?? a[4];
            checkText(value, j);
            element.attributes[a[1]] = value;
            j = ATTRIBUTE.lastIndex;
        }
        const end = /\s*(\/?)>/y;
        end.lastIndex = j;
        const closing = end.exec(doc);
        if (!closing) {
            throw new Error(`malformed tag <${element.name}> at offset ${lt}`);
        }
        if (stack.length > 0) {
            stack[stack.length - 1].children.push(element);
        } else if (root) {
            throw new Error("more than one root element");
        } else {
            root = element;
        }
        if (closing[1] !== "/") {
            stack.push(element);
        }
        i = end.lastIndex;
    }
    if (stack.length > 0) {
        throw new Error(`unclosed <${stack[stack.length - 1].name}>`);
    }
    if (!root) {
        throw new Error("no root element");
    }
    return root;
}

/** Every element below (and including) `e`, depth first. */
export function descendants(e: XmlElement): XmlElement[] {
    return [e, ...e.children.flatMap(descendants)];
}
