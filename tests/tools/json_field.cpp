// npcat_json_field FIELD: reads JSON text from stdin, one value per line (as
// npcat --format json and --stats print it), and prints FIELD of each line's
// object on a line of its own: a string as its raw bytes, anything else as
// JSON. Exit status 1 when a line is not a JSON object, 3 when one lacks
// FIELD. The tools tests use it to parse npcat's JSON back (jq is not a
// dependency); "-" as FIELD only checks that every line parses.
#include <iostream>
#include <string>

#include <nlohmann/json.hpp>

int main(int argc, char** argv) {
    if (argc != 2) {
        std::cerr << "usage: npcat_json_field FIELD|- <json-lines\n";
        return 2;
    }
    const std::string field = argv[1];
    std::string line;
    int number = 0;
    while (std::getline(std::cin, line)) {
        ++number;
        nlohmann::json value;
        try {
            value = nlohmann::json::parse(line);
        } catch (const nlohmann::json::exception& e) {
            std::cerr << "line " << number << " is not JSON: " << e.what() << "\n";
            return 1;
        }
        if (!value.is_object()) {
            std::cerr << "line " << number << " is not a JSON object\n";
            return 1;
        }
        if (field == "-") continue;
        const auto it = value.find(field);
        if (it == value.end()) {
            std::cerr << "line " << number << " has no \"" << field << "\"\n";
            return 3;
        }
        if (it->is_string()) {
            std::cout << it->get<std::string>() << "\n";
        } else {
            std::cout << it->dump() << "\n";
        }
    }
    return 0;
}
