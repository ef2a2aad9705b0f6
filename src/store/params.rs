//! Parameters of statements assembled from parts.
//!
//! PostgreSQL types a statement's parameters from where they are used; a parameter that no
//! part of the text uses cannot be typed, and the whole statement fails to prepare ("could
//! not determine data type of parameter $3"). A statement whose parts vary (one CTE per
//! changed seat row, say, and sometimes none) must therefore never bind a value ahead of
//! the part that uses it. [`Params::bind`] hands out the placeholder only as the value is
//! bound, so a value exists in the list exactly when some text carries its placeholder.

use super::sql::Param;

/// The parameter list of one statement, in placeholder order.
#[derive(Default)]
pub struct Params<'a>(Vec<&'a dyn Param>);

impl<'a> Params<'a> {
    /// A list that starts with `fixed`, whose placeholders (`$1` … `$n`) the statement's
    /// fixed text uses.
    pub fn with_fixed(fixed: &[&'a dyn Param]) -> Self {
        Self(fixed.to_vec())
    }

    /// Adds `value` and returns its placeholder, for the text that uses it.
    pub fn bind(&mut self, value: &'a dyn Param) -> String {
        self.0.push(value);
        format!("${}", self.0.len())
    }

    /// The values, for `query`.
    pub fn values(&self) -> &[&'a dyn Param] {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_follow_the_fixed_ones() {
        let (a, b, c) = (1i64, "x", 2i32);
        let mut params = Params::with_fixed(&[&a, &b]);
        assert_eq!(params.bind(&c), "$3");
        assert_eq!(params.bind(&c), "$4");
        assert_eq!(params.values().len(), 4);
    }
}
