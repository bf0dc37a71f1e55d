/// Proleptic Gregorian calendar arithmetic without Foundation.
///
/// The algorithms are Howard Hinnant's, from "chrono-Compatible Low-Level Date Algorithms"
/// (<https://howardhinnant.github.io/date_algorithms.html>), which are exact for every
/// proleptic Gregorian date representable in the integer type.
enum CivilDate {
    /// The number of days from 1970-01-01 to `year`-`month`-`day` (negative before 1970).
    ///
    /// Hinnant's `days_from_civil`: shift the year to start in March so the leap day is the
    /// last day of the year, split the year into 400-year eras (146,097 days each), and
    /// count days within the era. `month` must be 1...12 and `day` 1...31; the caller
    /// validates the day against ``daysInMonth(year:month:)``.
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400                                          // [0, 399]
        let shiftedMonth = month > 2 ? month - 3 : month + 9                    // March = 0
        let dayOfYear = (153 * shiftedMonth + 2) / 5 + day - 1                  // [0, 365]
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear // [0, 146096]
        return era * 146_097 + dayOfEra - 719_468
    }

    /// Whether `year` is a Gregorian leap year.
    static func isLeapYear(_ year: Int) -> Bool {
        year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
    }

    /// The number of days in `month` (1...12) of `year` (Hinnant's `last_day_of_month`).
    static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: isLeapYear(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// The inverse of ``daysFromCivil(year:month:day:)`` (Hinnant's `civil_from_days`).
    static func civilFromDays(_ days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097                                                    // [0, 146096]
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365  // [0, 399]
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)           // [0, 365]
        let shiftedMonth = (5 * dayOfYear + 2) / 153                                           // [0, 11]
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1                                 // [1, 31]
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9                    // [1, 12]
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
