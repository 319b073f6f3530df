// Lint: typescript-eslint's recommended rules, and the project's own rules for components:
// every exported *Args field readonly and documented, stacks/ independent of components/.
import js from "@eslint/js";
import jsdoc from "eslint-plugin-jsdoc";
import tseslint from "typescript-eslint";

const ARGS_FIELD = "ExportNamedDeclaration > TSInterfaceDeclaration[id.name=/Args$/] > TSInterfaceBody > TSPropertySignature";

export default tseslint.config(
    { ignores: ["node_modules/**", "out/**", "bin/**"] },
    js.configs.recommended,
    ...tseslint.configs.recommended,
    {
        plugins: { jsdoc },
        rules: {
            "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
            "jsdoc/require-jsdoc": [
                "error",
                {
                    require: { FunctionDeclaration: false },
                    contexts: ["ExportNamedDeclaration > TSInterfaceDeclaration", ARGS_FIELD],
                },
            ],
            "no-restricted-syntax": [
                "error",
                { selector: `${ARGS_FIELD}[readonly!=true]`, message: "Fields of exported *Args interfaces are readonly." },
            ],
        },
    },
    {
        files: ["stacks/**/*.ts"],
        rules: {
            "no-restricted-imports": [
                "error",
                {
                    patterns: [
                        {
                            group: ["**/components/**", "**/components"],
                            message: "stacks/ holds config and derivations only: it imports nothing from components/.",
                        },
                    ],
                },
            ],
        },
    },
    {
        files: ["tests/**/*.ts"],
        rules: { "jsdoc/require-jsdoc": "off", "@typescript-eslint/no-non-null-assertion": "off" },
    },
);
