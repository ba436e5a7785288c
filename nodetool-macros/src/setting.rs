//! `register_setting! { package: "…", env_var: "…", group: "…", description: "…",
//! is_secret: bool, choices: ["…", …] }`: one setting, submitted to the settings registry.

use crate::diagnostics::Diagnostics;
use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Expr, ExprArray, ExprLit, Ident, Lit, Token};

struct Field {
    key: Ident,
    value: Expr,
}

impl Parse for Field {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let key = input.parse()?;
        input.parse::<Token![:]>()?;
        Ok(Field {
            key,
            value: input.parse()?,
        })
    }
}

/// The declaration, read.
#[derive(Debug, Default)]
pub(crate) struct Setting {
    pub(crate) package: String,
    pub(crate) env_var: String,
    pub(crate) group: String,
    pub(crate) description: String,
    pub(crate) is_secret: bool,
    pub(crate) choices: Vec<String>,
}

fn string(value: &Expr, key: &str, diags: &mut Diagnostics) -> Option<String> {
    match value {
        Expr::Lit(ExprLit {
            lit: Lit::Str(s), ..
        }) => Some(s.value()),
        other => {
            diags.error(other.span(), format!("`{key}` is a string literal"));
            None
        }
    }
}

/// Reads the fields, reporting every problem with its span.
pub(crate) fn parse(input: TokenStream, diags: &mut Diagnostics) -> Option<Setting> {
    let fields =
        match syn::parse::Parser::parse2(Punctuated::<Field, Token![,]>::parse_terminated, input) {
            Ok(fields) => fields,
            Err(e) => {
                diags.push(e);
                return None;
            }
        };
    let mut setting = Setting::default();
    let mut seen: Vec<String> = Vec::new();
    for field in &fields {
        let key = field.key.to_string();
        if seen.contains(&key) {
            diags.error(field.key.span(), format!("`{key}` is given twice"));
            continue;
        }
        seen.push(key.clone());
        match key.as_str() {
            "package" => setting.package = string(&field.value, &key, diags).unwrap_or_default(),
            "group" => setting.group = string(&field.value, &key, diags).unwrap_or_default(),
            "description" => {
                setting.description = string(&field.value, &key, diags).unwrap_or_default()
            }
            "env_var" => {
                let Some(var) = string(&field.value, &key, diags) else { continue };
                let valid = !var.is_empty()
                    && !var.starts_with(|c: char| c.is_ascii_digit())
                    && var.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
                if !valid {
                    diags.error(
                        field.value.span(),
                        format!("`{var}` is not an environment variable name: use UPPER_SNAKE_CASE"),
                    );
                }
                setting.env_var = var;
            }
            "is_secret" => match &field.value {
                Expr::Lit(ExprLit {
                    lit: Lit::Bool(b), ..
                }) => setting.is_secret = b.value,
                other => diags.error(other.span(), "`is_secret` is `true` or `false`"),
            },
            "choices" => match &field.value {
                Expr::Array(ExprArray { elems, .. }) => {
                    setting.choices = elems
                        .iter()
                        .filter_map(|e| string(e, "each choice", diags))
                        .collect();
                }
                other => diags.error(other.span(), "`choices` is a list of string literals"),
            },
            _ => diags.error(
                field.key.span(),
                format!("unknown field `{key}` (fields: package, env_var, group, description, is_secret, choices)"),
            ),
        }
    }
    for required in ["package", "env_var", "group", "description"] {
        if !seen.iter().any(|s| s == required) {
            diags.error(
                Span::call_site(),
                format!("`register_setting!` needs `{required}: \"…\"`"),
            );
        }
    }
    Some(setting)
}

/// `register_setting! { … }`.
pub(crate) fn expand(input: TokenStream) -> TokenStream {
    let mut diags = Diagnostics::default();
    let setting = parse(input, &mut diags);
    match setting {
        Some(s) if diags.is_empty() => {
            let Setting {
                package,
                env_var,
                group,
                description,
                is_secret,
                choices,
            } = s;
            quote! {
                ::nodetool::__private::inventory::submit! {
                    ::nodetool::config::SettingDescriptor {
                        package: #package,
                        env_var: #env_var,
                        group: #group,
                        description: #description,
                        is_secret: #is_secret,
                        choices: &[#(#choices),*],
                    }
                }
            }
        }
        _ => diags.into_compile_errors(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn messages(input: TokenStream) -> Vec<String> {
        let mut diags = Diagnostics::default();
        parse(input, &mut diags);
        diags.messages()
    }

    #[test]
    fn reads_a_full_declaration() {
        let mut diags = Diagnostics::default();
        let s = parse(
            quote!(package: "p", env_var: "A_KEY", group: "G", description: "d", is_secret: true, choices: ["x", "y"]),
            &mut diags,
        )
        .unwrap();
        assert!(diags.is_empty());
        assert_eq!(
            (s.env_var.as_str(), s.is_secret, s.choices.len()),
            ("A_KEY", true, 2)
        );
        let out = expand(quote!(package: "p", env_var: "A_KEY", group: "G", description: "d"))
            .to_string();
        assert!(out.contains("inventory :: submit !"), "{out}");
        assert!(out.contains("is_secret : false"), "{out}");
    }

    #[test]
    fn reports_bad_names_types_unknown_and_missing_fields() {
        let all = messages(
            quote!(package: 1, env_var: "lower", group: "G", colour: "x", is_secret: "yes"),
        )
        .join("\n");
        for expected in [
            "`package` is a string literal",
            "UPPER_SNAKE_CASE",
            "unknown field `colour`",
            "`is_secret` is `true` or `false`",
            "needs `description",
        ] {
            assert!(all.contains(expected), "missing {expected:?} in:\n{all}");
        }
    }
}
