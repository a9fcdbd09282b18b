import copy

from pipeline.configitems import diff_configuration_items, parse_configuration_item
from pipeline.configitems.notifications import change_notification

from .samples import real, security_group, permission


def _model(raw):
    return parse_configuration_item(raw)


def test_instance_security_group_swap_reproduces_the_aws_example():
    """ci-01 -> ci-02: the diff printed in the AWS guide's example-sns-notification."""
    before, after = _model(real("ci-01")), _model(real("ci-02"))
    old_eni = before["configuration"]["networkInterfaces"][0]
    new_eni = after["configuration"]["networkInterfaces"][0]
    old_rel = {"resourceId": "sg-c8b141b4", "resourceName": None, "resourceType": "AWS::EC2::SecurityGroup",
               "name": "Is associated with SecurityGroup"}
    new_rel = dict(old_rel, resourceId="sg-3f1fef43")
    expected = {
        "changedProperties": {
            "Configuration.NetworkInterfaces.0": {"previousValue": old_eni, "updatedValue": None, "changeType": "DELETE"},
            "Relationships.0": {"previousValue": old_rel, "updatedValue": None, "changeType": "DELETE"},
            "Configuration.NetworkInterfaces.1": {"previousValue": None, "updatedValue": new_eni, "changeType": "CREATE"},
            "Relationships.1": {"previousValue": None, "updatedValue": new_rel, "changeType": "CREATE"},
            "Configuration.SecurityGroups.1": {
                "previousValue": None,
                "updatedValue": {"groupName": "example-security-group-2", "groupId": "sg-3f1fef43"},
                "changeType": "CREATE"},
            "Configuration.SecurityGroups.0": {
                "previousValue": {"groupName": "example-security-group-1", "groupId": "sg-c8b141b4"},
                "updatedValue": None, "changeType": "DELETE"},
        },
        "changeType": "UPDATE",
    }
    assert diff_configuration_items(before, after) == expected


def test_bucket_versioning_suspended_reproduces_the_recorded_diff():
    diff = diff_configuration_items(_model(real("ci-04")), _model(real("ci-05")))
    assert diff == {
        "changedProperties": {
            "SupplementaryConfiguration.BucketVersioningConfiguration.Status": {
                "previousValue": "Enabled", "updatedValue": "Suspended", "changeType": "UPDATE"}},
        "changeType": "UPDATE",
    }


def test_first_item_is_create_without_properties():
    assert diff_configuration_items(None, _model(real("ci-03"))) == {"changedProperties": {}, "changeType": "CREATE"}


def test_deleted_item_is_delete():
    before = _model(real("ci-06"))
    deleted = copy.deepcopy(before)
    deleted.update(configurationItemStatus="ResourceDeleted", configuration=None, relationships=[])
    assert diff_configuration_items(before, deleted) == {"changedProperties": {}, "changeType": "DELETE"}


def test_recreated_after_deletion_is_create():
    before = _model(real("ci-06"))
    before["configurationItemStatus"] = "ResourceDeleted"
    again = _model(real("ci-06"))
    again["configurationItemStatus"] = "ResourceDiscovered"
    assert diff_configuration_items(before, again)["changeType"] == "CREATE"


def test_nested_configuration_keys_added_removed_and_updated():
    before = _model(security_group("sg-1", []))
    after = copy.deepcopy(before)
    after["configuration"]["description"] = "changed"
    after["configuration"]["newField"] = {"deep": {"value": 1}}
    del after["configuration"]["ownerId"]
    changed = diff_configuration_items(before, after)["changedProperties"]
    assert changed == {
        "Configuration.Description": {"previousValue": "test", "updatedValue": "changed", "changeType": "UPDATE"},
        "Configuration.OwnerId": {"previousValue": "123456789012", "updatedValue": None, "changeType": "DELETE"},
        "Configuration.NewField": {"previousValue": None, "updatedValue": {"deep": {"value": 1}}, "changeType": "CREATE"},
    }


def test_changed_array_element_is_delete_plus_create_never_a_nested_path():
    before = _model(security_group("sg-1", [permission("tcp", 22, 22, "10.0.0.0/8")]))
    after = _model(security_group("sg-1", [permission("tcp", 22, 22, "0.0.0.0/0"),
                                           permission("tcp", 443, 443, "0.0.0.0/0")]))
    changed = diff_configuration_items(before, after)["changedProperties"]
    assert sorted(changed) == ["Configuration.IpPermissions.0", "Configuration.IpPermissions.1",
                               "Configuration.IpPermissions.2"]
    assert changed["Configuration.IpPermissions.0"]["changeType"] == "DELETE"
    assert changed["Configuration.IpPermissions.1"]["updatedValue"]["ipRanges"] == ["0.0.0.0/0"]
    assert changed["Configuration.IpPermissions.2"]["updatedValue"]["fromPort"] == 443


def test_reordered_array_is_no_change():
    a = permission("tcp", 22, 22, "10.0.0.0/8")
    b = permission("tcp", 80, 80, "0.0.0.0/0")
    assert diff_configuration_items(_model(security_group("sg-1", [a, b])),
                                    _model(security_group("sg-1", [b, a])))["changedProperties"] == {}


def test_boolean_and_number_are_different_values():
    before = _model(security_group("sg-1", []))
    before["configuration"]["flag"] = 1
    after = copy.deepcopy(before)
    after["configuration"]["flag"] = True
    assert diff_configuration_items(before, after)["changedProperties"]["Configuration.Flag"]["changeType"] == "UPDATE"


def test_relationship_added_and_removed():
    rel = {"resourceType": "AWS::EC2::VPC", "resourceId": "vpc-1", "relationshipName": "Is contained in Vpc"}
    before = _model(security_group("sg-1", [], relationships=[rel]))
    after = _model(security_group("sg-1", [], relationships=[dict(rel, resourceId="vpc-2")]))
    changed = diff_configuration_items(before, after)["changedProperties"]
    assert changed["Relationships.0"]["previousValue"]["resourceId"] == "vpc-1"
    assert changed["Relationships.0"]["previousValue"]["name"] == "Is contained in Vpc"
    assert changed["Relationships.1"]["updatedValue"]["resourceId"] == "vpc-2"


def test_tags_create_update_delete():
    before = _model(security_group("sg-1", [], tags={"env": "dev", "owner": "a"}))
    after = _model(security_group("sg-1", [], tags={"env": "prod", "team": "x"}))
    assert diff_configuration_items(before, after)["changedProperties"] == {
        "Tags.env": {"previousValue": "dev", "updatedValue": "prod", "changeType": "UPDATE"},
        "Tags.owner": {"previousValue": "a", "updatedValue": None, "changeType": "DELETE"},
        "Tags.team": {"previousValue": None, "updatedValue": "x", "changeType": "CREATE"},
    }


def test_change_notification_shape():
    before, after = _model(real("ci-04")), _model(real("ci-05"))
    diff = diff_configuration_items(before, after)
    message = change_notification(after, diff, notification_time="2021-01-13T05:00:24.000Z")
    assert message["messageType"] == "ConfigurationItemChangeNotification"
    assert message["notificationCreationTime"] == "2021-01-13T05:00:24.000Z"
    assert message["configurationItemDiff"] == diff
    assert message["configurationItem"] == real("ci-05")  # notification spelling, as received
